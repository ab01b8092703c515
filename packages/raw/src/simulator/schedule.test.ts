import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { powerPeriods, roundTheClockSchedule, twoShiftSchedule } from './schedule.ts';

const zone = 'Europe/Madrid';
const ms = (local: string) => DateTime.fromISO(local, { zone }).toMillis();
const local = (t: number) => DateTime.fromMillis(t, { zone });
const minutesOfDay = (t: number) => local(t).hour * 60 + local(t).minute + local(t).second / 60;

describe('powerPeriods', () => {
  // Two weeks around the spring-forward Sunday (2024-03-31) in Madrid.
  const from = ms('2024-03-25T00:00');
  const to = ms('2024-04-08T00:00');
  const periods = powerPeriods(twoShiftSchedule, zone, from, to, 42);

  it('powers the machine for two shifts on weekdays, at local wall-clock times across DST', () => {
    const weekdays = periods.filter((p) => local(p.on).weekday <= 5);
    expect(weekdays.map((p) => local(p.on).toISODate())).toEqual([
      '2024-03-25',
      '2024-03-26',
      '2024-03-27',
      '2024-03-28',
      '2024-03-29',
      '2024-04-01',
      '2024-04-02',
      '2024-04-03',
      '2024-04-04',
      '2024-04-05',
    ]);
    for (const p of weekdays) {
      expect(Math.abs(minutesOfDay(p.on) - 6 * 60)).toBeLessThanOrEqual(12);
      expect(Math.abs(minutesOfDay(p.off) - 22 * 60)).toBeLessThanOrEqual(12);
      // The shift change is a break inside the period, at 14:00 sharp.
      expect(p.breaks.map((b) => local(b).toFormat('HH:mm'))).toEqual(['14:00']);
    }
    // Same wall clock, one hour less UTC offset after the change: 14:00 is 13:00Z, then 12:00Z.
    expect(new Date(weekdays[4]?.breaks[0] ?? 0).toISOString()).toBe('2024-03-29T13:00:00.000Z');
    expect(new Date(weekdays[5]?.breaks[0] ?? 0).toISOString()).toBe('2024-04-01T12:00:00.000Z');
  });

  it('is off on Sundays and works some Saturday mornings', () => {
    expect(periods.some((p) => local(p.on).weekday === 7)).toBe(false);
    for (const p of periods.filter((q) => local(q.on).weekday === 6)) {
      expect(Math.abs(minutesOfDay(p.off) - 14 * 60)).toBeLessThanOrEqual(12);
    }
  });

  it('does not depend on the range asked for (a short run is a prefix of a long one)', () => {
    const short = powerPeriods(twoShiftSchedule, zone, from, ms('2024-03-28T00:00'), 42);
    expect(short).toEqual(periods.slice(0, short.length));
    expect(powerPeriods(twoShiftSchedule, zone, from, to, 43)).not.toEqual(periods);
  });

  it('keeps a round-the-clock machine on through DST nights of 7 and 9 hours', () => {
    const spring = powerPeriods(
      roundTheClockSchedule,
      zone,
      ms('2024-03-30T00:00'),
      ms('2024-04-01T00:00'),
      1,
    );
    expect(spring).toHaveLength(1);
    expect(spring[0]?.on).toBe(ms('2024-03-30T00:00'));
    expect(spring[0]?.off).toBe(ms('2024-04-01T00:00'));
    const nightStart = ms('2024-03-30T22:00');
    const breaks = spring[0]?.breaks ?? [];
    expect(breaks).toContain(nightStart);
    expect(breaks[breaks.indexOf(nightStart) + 1]! - nightStart).toBe(7 * 3_600_000);

    const fall = powerPeriods(roundTheClockSchedule, zone, ms('2024-10-26T00:00'), ms('2024-10-28T00:00'), 1);
    const fallBreaks = fall[0]?.breaks ?? [];
    const fallNight = ms('2024-10-26T22:00');
    expect(fallBreaks[fallBreaks.indexOf(fallNight) + 1]! - fallNight).toBe(9 * 3_600_000);
  });

  it('refuses malformed shift times', () => {
    const bad = { shifts: [{ weekdays: [1], start: '6:00', end: '14:00' }], jitterMinutes: 0 };
    expect(() => powerPeriods(bad, zone, from, to, 1)).toThrow(/HH:mm/);
  });
});
