import { createHash } from 'node:crypto';
import { builtInProfiles } from '@mm/config';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { alarmCatalogue, alarmNumber, loggerVariables } from './catalogue.ts';
import { type DayBatch, Plant, type PlantOptions, PlantOptionsError, plantVariables } from './plant.ts';
import { roundTheClockSchedule } from './schedule.ts';

type Value = number | string | null;
interface Run {
  plant: Plant;
  days: DayBatch[];
  /** Rows per variable name in time order, across days. */
  series: Map<string, Array<{ date: number; value: Value }>>;
}

const week: PlantOptions = { seed: 7, start: '2024-03-25', days: 8, timezone: 'Europe/Madrid', volume: 0.02 };

function run(options: PlantOptions): Run {
  const plant = new Plant(options);
  const names = plantVariables().map((v) => v.name);
  const series = new Map<string, Array<{ date: number; value: Value }>>(names.map((n) => [n, []]));
  const days: DayBatch[] = [];
  for (const day of plant.days()) {
    days.push(day);
    for (let i = 0; i < day.float.length; i++) {
      series.get(names[day.float.ids[i]! - 1]!)!.push({
        date: day.float.dates[i]!,
        value: day.float.isNull[i] ? null : day.float.values[i]!,
      });
    }
    for (let i = 0; i < day.string.length; i++) {
      series
        .get(names[day.string.ids[i]! - 1]!)!
        .push({ date: day.string.dates[i]!, value: day.string.values[i]! });
    }
  }
  return { plant, days, series };
}

function digest(days: DayBatch[]): string {
  const hash = createHash('sha256');
  for (const d of days) {
    for (const column of [
      d.float.ids,
      d.float.dates,
      d.float.values,
      d.float.isNull,
      d.string.ids,
      d.string.dates,
    ]) {
      hash.update(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
    }
    hash.update(JSON.stringify(d.string.values));
  }
  return hash.digest('hex');
}

const same = (a: Value, b: Value) =>
  a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
const isOff = (v: Value) => (typeof v === 'number' && Number.isNaN(v)) || v === 'UNAVAILABLE';
const jsonOrNull = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

// DOMAIN §5.4 severity classes, written out here so the test does not trust the code under test.
function severity(description: string): 'emergency' | 'error' | 'warning' | 'other' {
  const words = description.toLowerCase().match(/\p{L}+/gu) ?? [];
  const starts = (...prefixes: string[]) => words.some((w) => prefixes.some((p) => w.startsWith(p)));
  if (starts('emerg')) return 'emergency';
  if (starts('err', 'fallo', 'fault')) return 'error';
  if (starts('alert', 'alarm', 'warn', 'aviso', 'atten', 'atenc')) return 'warning';
  return 'other';
}

describe('Plant', () => {
  const a = run(week);

  it('is deterministic: same seed, same rows; another seed or machine, other rows', () => {
    expect(digest(run(week).days)).toBe(digest(a.days));
    expect(digest(run({ ...week, seed: 8 }).days)).not.toBe(digest(a.days));
    expect(digest(run({ ...week, machineIndex: 1 }).days)).not.toBe(digest(a.days));
  });

  it('gives a short run as a prefix of a longer one', () => {
    const short = run({ ...week, days: 3 });
    expect(digest(short.days)).toBe(digest(a.days.slice(0, 3)));
  });

  it('logs only changes, across midnight too, in time order', () => {
    for (const [name, rows] of a.series) {
      for (let i = 1; i < rows.length; i++) {
        const [prev, row] = [rows[i - 1]!, rows[i]!];
        if (row.date <= prev.date || same(prev.value, row.value)) {
          throw new Error(
            `${name}: row ${i} at ${row.date} repeats ${String(prev.value)} or goes back in time`,
          );
        }
      }
    }
  });

  it('writes real values only while powered, NaN/UNAVAILABLE exactly at power-off', () => {
    const { powerPeriods } = a.plant;
    const offs = new Set(powerPeriods.map((p) => p.off));
    const powered = (t: number) => powerPeriods.some((p) => t >= p.on && t < p.off);
    for (const [name, rows] of a.series) {
      for (const { date, value } of rows) {
        if (isOff(value)) expect(offs.has(date), `${name} off at ${date}`).toBe(true);
        else expect(powered(date), `${name} = ${value} at ${date}`).toBe(true);
      }
    }
    // Every variable that was ever on goes off at each power-off inside the run.
    const state = a.series.get(loggerVariables.state.name)!;
    for (const p of powerPeriods.filter((q) => q.off < a.plant.range.to)) {
      expect(state.find((r) => r.date === p.off)?.value).toBeNaN();
    }
    // The weekend day without a shift has no rows at all.
    expect(a.days.find((d) => d.day === '2024-03-31')?.rows).toBe(0);
  });

  it('writes the garbage it reports, of every kind', () => {
    const counted = { nulls: 0, infinities: 0, invalidJson: 0, badAlarmElements: 0, programOutOfRange: 0 };
    for (const [name, rows] of a.series) {
      for (const { value } of rows) {
        if (value === null) counted.nulls++;
        else if (value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY)
          counted.infinities++;
        else if (name === loggerVariables.program.name && typeof value === 'number' && !Number.isNaN(value)) {
          if (value < 0 || value >= 1000) counted.programOutOfRange++;
        } else if (name === loggerVariables.alarms.name && typeof value === 'string' && !isOff(value)) {
          const parsed = jsonOrNull(value);
          if (parsed === undefined) counted.invalidJson++;
          else if (!Array.isArray(parsed) || parsed.some((e) => !Array.isArray(e) || e.length < 2)) {
            counted.badAlarmElements++;
          }
        }
      }
    }
    expect(counted).toEqual(a.plant.counts.garbage);
    for (const n of Object.values(counted)) expect(n).toBeGreaterThan(0);
  });

  it('logs realistic core signals', () => {
    const values = (role: keyof typeof loggerVariables) =>
      a.series
        .get(loggerVariables[role].name)!
        .map((r) => r.value)
        .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const state = new Set(values('state'));
    expect(state.has(255)).toBe(true);
    expect([...state].every((v) => [0, 1, 128, 255].includes(v))).toBe(true);
    const programs = values('program').filter((v) => v >= 0 && v < 1000);
    expect(programs.every(Number.isInteger)).toBe(true);
    expect(new Set(programs).size).toBeGreaterThan(5);
    const temperatures = values('temperature');
    expect(temperatures.filter((v) => v === 0).length).toBe(a.plant.counts.notable.zeroTemperature);
    expect(temperatures.filter((v) => v !== 0).every((v) => v > 1200 && v < 4500)).toBe(true);
    expect(a.plant.counts.notable.zeroTemperature).toBeGreaterThan(0);
  });

  it('writes alarm snapshots in the logger format, with every severity class', () => {
    const codes = new Map(alarmCatalogue.map((s) => [s.code, s]));
    const seen = new Set<string>();
    for (const { value } of a.series.get(loggerVariables.alarms.name)!) {
      if (typeof value !== 'string' || isOff(value)) continue;
      const parsed = jsonOrNull(value);
      if (!Array.isArray(parsed)) continue;
      for (const element of parsed) {
        if (!Array.isArray(element) || element.length !== 5) continue; // injected bad elements
        const [code, description, x, y, number] = element as [string, string, number, number, number];
        expect(codes.has(code)).toBe(true);
        expect(number).toBe(alarmNumber(code));
        expect([x, y].every(Number.isInteger)).toBe(true);
        seen.add(severity(description));
      }
    }
    expect([...seen].sort()).toEqual(['emergency', 'error', 'other', 'warning']);
  });

  it('cuts local days correctly on DST days (23 and 25 hours) and keeps a 24/7 machine on through them', () => {
    const spring = run({ ...week, start: '2024-03-30', days: 3, schedule: roundTheClockSchedule });
    expect(spring.days.map((d) => (d.to - d.from) / 3_600_000)).toEqual([24, 23, 24]);
    expect(spring.days.map((d) => d.poweredMs / 3_600_000)).toEqual([24, 23, 24]);
    const fall = run({ ...week, start: '2024-10-27', days: 1, schedule: roundTheClockSchedule });
    expect(fall.days[0]?.poweredMs).toBe(25 * 3_600_000);
    expect(DateTime.fromMillis(fall.days[0]!.from, { zone: 'Europe/Madrid' }).toISO()).toBe(
      '2024-10-27T00:00:00.000+02:00',
    );
    // Never off, so no NaN state at all (NULL garbage aside).
    const state = spring.series.get(loggerVariables.state.name)!;
    expect(state.some((r) => typeof r.value === 'number' && Number.isNaN(r.value))).toBe(false);
  });

  it('has benchmark volume at volume 1: 330-390 k rows on a two-shift working day', () => {
    const working = run({ seed: 42, start: '2024-03-04', days: 1, timezone: 'Europe/Madrid' });
    const day = working.days[0]!;
    expect(day.rows).toBeGreaterThan(330_000);
    expect(day.rows).toBeLessThan(390_000);
    // The 1 Hz TEMPERATURA_BASE: nearly one row per powered second.
    const temperature = working.series.get(loggerVariables.temperature.name)!;
    expect(temperature.length).toBeGreaterThan((day.poweredMs / 1000) * 0.8);
  });

  it('writes the variables the logger profile maps', () => {
    const names = new Set(plantVariables().map((v) => v.name));
    const profile = JSON.stringify(builtInProfiles.logger);
    for (const { name } of Object.values(loggerVariables)) {
      expect(names.has(name)).toBe(true);
      expect(profile).toContain(`"${name}"`);
    }
    expect(names.size).toBeGreaterThanOrEqual(100);
  });

  it('lists every problem with its options', () => {
    expect(
      () => new Plant({ seed: 1.5, start: '2024-13-01', days: 0, timezone: 'Mars/Base', volume: -1 }),
    ).toThrow(PlantOptionsError);
    try {
      new Plant({ seed: 1.5, start: '2024-13-01', days: 0, timezone: 'Mars/Base', volume: -1 });
    } catch (error) {
      expect((error as Error).message.split('; ')).toHaveLength(5);
    }
  });

  it('simulates only supported dates, first and last day', () => {
    expect(() => new Plant({ seed: 1, start: '0001-01-01', days: 1 })).toThrow(
      /start is outside the supported dates 1970-01-01 to 2099-12-31/,
    );
    expect(() => new Plant({ seed: 1, start: '2099-12-30', days: 3 })).toThrow(
      /the last day simulated must be on or before 2099-12-31/,
    );
    expect(() => new Plant({ seed: 1, start: '2099-12-30', days: 2 })).not.toThrow();
  });
});
