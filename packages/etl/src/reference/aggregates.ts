/**
 * DOMAIN §5.1, §5.2, §5.3 and §5.5 computed in plain TypeScript from a whole data set, one
 * machine-local day at a time: slow, simple, and written from the specification alone, so that the
 * property test can hold the SQL ETLs to it.
 */
import { type ReferenceRoles, referenceHorizon } from './roles.ts';
import { countReadings, type Held, heldIntervals, logsFloats, trimSpaces } from './series.ts';
import { hourOf, type ReferenceDay } from './time.ts';

export interface Counts {
  rowsRead: number;
  invalidSkipped: number;
}

export interface SensorStatsRow {
  sensor_name: string;
  hour_ts: number;
  min_value: number;
  max_value: number;
  avg_value: number;
  std_dev: number | null;
  readings_count: number;
}

export interface ActivityRow {
  running_seconds: number;
  unplanned_down_seconds: number;
  planned_down_seconds: number;
  day_seconds: number;
}

export interface ProgramRow {
  program: string;
  duration_seconds: number;
}

export interface EnergyRow {
  hour_ts: number;
  energy_kwh: number;
}

/** Where time stops counting on a day: min(day end, horizon); the day's start when nothing is known. */
export function untilOf(day: ReferenceDay, horizon: number | null): number {
  return horizon === null ? day.start : Math.min(day.end, horizon);
}

/**
 * §5.1: per sensor and hour, the finite readings logged in the hour (zeros dropped where they mean
 * missing) times the scale: min, max, mean, sample standard deviation (null below 2), count.
 */
export function sensorStatsOf(roles: ReferenceRoles, day: ReferenceDay): Counts & { rows: SensorStatsRow[] } {
  const rows: SensorStatsRow[] = [];
  for (const sensor of roles.temperature) {
    const byHour = new Map<number, number[]>();
    for (const r of sensor.series.readings) {
      if (r.date < day.start || r.date >= day.end || sensor.classify(r.value) !== 'valid') continue;
      const hour = hourOf(day, r.date);
      byHour.set(hour, [...(byHour.get(hour) ?? []), (r.value as number) * sensor.scale]);
    }
    for (const [hour, xs] of [...byHour].sort((a, b) => a[0] - b[0])) {
      const n = xs.length;
      const mean = xs.reduce((a, x) => a + x, 0) / n;
      const std = n < 2 ? null : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
      rows.push({
        sensor_name: sensor.series.name,
        hour_ts: hour,
        min_value: Math.min(...xs),
        max_value: Math.max(...xs),
        avg_value: mean,
        std_dev: std,
        readings_count: n,
      });
    }
  }
  return { rows, ...countReadings(roles.temperature, day.start, day.end) };
}

/**
 * §5.2, state method: running / unplanned down (valid, not running) / planned down (off or no
 * reading yet) seconds up to min(day end, horizon), and the day's length. A row only when the day
 * starts before the horizon.
 */
export function activityOf(roles: ReferenceRoles, day: ReferenceDay): Counts & { rows: ActivityRow[] } {
  const state = roles.state;
  if (!state) return { rows: [], rowsRead: 0, invalidSkipped: 0 };
  const counts = countReadings([state], day.start, day.end);
  const horizon = referenceHorizon(roles);
  if (horizon === null || horizon <= day.start) return { rows: [], ...counts };
  const until = untilOf(day, horizon);
  const isFloat = logsFloats(state.series);
  const running = (value: Held['value']) =>
    state.runningValues.some((rv) =>
      isFloat
        ? typeof rv === 'number' && Math.fround(rv) === value
        : typeof value === 'string' && trimSpaces(value) === String(rv),
    );
  let runningMs = 0;
  let idleMs = 0;
  for (const i of heldIntervals(state.series, state.classify, day.start, until)) {
    if (i.kind !== 'valid') continue;
    if (running(i.value)) runningMs += i.e - i.s;
    else idleMs += i.e - i.s;
  }
  const row = {
    running_seconds: runningMs / 1000,
    unplanned_down_seconds: idleMs / 1000,
    planned_down_seconds: (until - day.start - runningMs - idleMs) / 1000,
    day_seconds: (day.end - day.start) / 1000,
  };
  return { rows: [row], ...counts };
}

/**
 * §5.3: per program, the time a valid program value held, rounded to whole seconds with halves up;
 * programs rounding to 0 s have no row. A float program is its value rounded to an integer (halves
 * up; values are >= 0), a string program its text without surrounding spaces.
 */
export function programsOf(roles: ReferenceRoles, day: ReferenceDay): Counts & { rows: ProgramRow[] } {
  const program = roles.program;
  if (!program) return { rows: [], rowsRead: 0, invalidSkipped: 0 };
  const counts = countReadings([program], day.start, day.end);
  const until = untilOf(day, referenceHorizon(roles));
  const isFloat = logsFloats(program.series);
  const ms = new Map<string, number>();
  for (const i of heldIntervals(program.series, program.classify, day.start, until)) {
    if (i.kind !== 'valid') continue;
    const id = isFloat ? String(Math.floor((i.value as number) + 0.5)) : trimSpaces(String(i.value));
    ms.set(id, (ms.get(id) ?? 0) + (i.e - i.s));
  }
  const rows = [...ms]
    .map(([id, total]) => ({ program: id, duration_seconds: Math.floor((total + 500) / 1000) }))
    .filter((r) => r.duration_seconds > 0)
    .sort((a, b) => (a.program < b.program ? -1 : a.program > b.program ? 1 : 0));
  return { rows, ...counts };
}

/**
 * §5.5: per hour, Σ over motors of ∫ clamp(load, 0, 100) / 100 × rated kW dt in kWh (off = 0 kW),
 * each interval cut at the hour starts. An hour has a row when some motor held a valid load in it.
 */
export function energyOf(roles: ReferenceRoles, day: ReferenceDay): Counts & { rows: EnergyRow[] } {
  const until = untilOf(day, referenceHorizon(roles));
  const bounds = [...day.hourStarts, day.end];
  const hours = new Map<number, { kwh: number; valid: boolean }>();
  for (const motor of roles.motors) {
    for (const i of heldIntervals(motor.series, motor.classify, day.start, until)) {
      const kw =
        i.kind === 'valid' ? (Math.min(Math.max(i.value as number, 0), 100) / 100) * motor.ratedKw : 0;
      for (let k = 0; k + 1 < bounds.length; k++) {
        const overlap = Math.min(i.e, bounds[k + 1]!) - Math.max(i.s, bounds[k]!);
        if (overlap <= 0) continue;
        const hour = hours.get(bounds[k]!) ?? { kwh: 0, valid: false };
        hour.kwh += (kw * overlap) / 3_600_000;
        hour.valid ||= i.kind === 'valid';
        hours.set(bounds[k]!, hour);
      }
    }
  }
  const rows = [...hours]
    .filter(([, h]) => h.valid)
    .map(([hour_ts, h]) => ({ hour_ts, energy_kwh: h.kwh }))
    .sort((a, b) => a.hour_ts - b.hour_ts);
  const distinct = [...new Map(roles.motors.map((m) => [m.series.id, m])).values()];
  return { rows, ...countReadings(distinct, day.start, day.end) };
}
