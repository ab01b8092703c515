import { DateTime } from 'luxon';
import { rngFor } from './prng.ts';

/** A shift on some weekdays, in the machine's local time. */
export interface Shift {
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  weekdays: readonly number[];
  /** `HH:mm` local; an end at or before the start (or `24:00`) is on the next day. */
  start: string;
  end: string;
  /** Chance that the shift is worked on a given day (overtime Saturdays). Default 1. */
  probability?: number;
}

export interface Schedule {
  shifts: readonly Shift[];
  /** Power-on and power-off vary by up to ± this many minutes around the shift edges. */
  jitterMinutes: number;
}

/** The default plant: two shifts Monday to Friday, a morning shift on some Saturdays. */
export const twoShiftSchedule: Schedule = {
  shifts: [
    { weekdays: [1, 2, 3, 4, 5], start: '06:00', end: '14:00' },
    { weekdays: [1, 2, 3, 4, 5], start: '14:00', end: '22:00' },
    { weekdays: [6], start: '06:00', end: '14:00', probability: 0.5 },
  ],
  jitterMinutes: 12,
};

/** Three shifts every day: the machine never powers off (DST nights included). */
export const roundTheClockSchedule: Schedule = {
  shifts: [
    { weekdays: [1, 2, 3, 4, 5, 6, 7], start: '06:00', end: '14:00' },
    { weekdays: [1, 2, 3, 4, 5, 6, 7], start: '14:00', end: '22:00' },
    { weekdays: [1, 2, 3, 4, 5, 6, 7], start: '22:00', end: '06:00' },
  ],
  jitterMinutes: 0,
};

/** The machine is powered during [on, off) (UTC epoch ms); `breaks` are shift changes inside it. */
export interface PowerPeriod {
  on: number;
  off: number;
  breaks: number[];
}

const HHMM = /^([01]\d|2[0-4]):([0-5]\d)$/;

function parseHhmm(text: string): { hour: number; minute: number } {
  const m = HHMM.exec(text);
  const hour = Number(m?.[1]);
  const minute = Number(m?.[2]);
  if (!m || (hour === 24 && minute !== 0))
    throw new Error(`shift time must be HH:mm, got ${JSON.stringify(text)}`);
  return { hour, minute };
}

/**
 * The power-on periods of a schedule overlapping [from, to), clipped to it. Shifts are placed on
 * local dates with luxon, so a shift is 7 or 9 hours long on a DST night (wall clocks decide when
 * people work). Touching shifts merge into one period with a break at the change; the edges of a
 * period are jittered with a generator keyed by the edge instant, so the result does not depend on
 * `from`/`to` (a 5-day run is a prefix of a 30-day one).
 *
 * @example
 * powerPeriods(twoShiftSchedule, 'Europe/Madrid', from, to, 42); // [{ on, off, breaks: [14:00] }, …]
 */
export function powerPeriods(
  schedule: Schedule,
  zone: string,
  from: number,
  to: number,
  seed: number,
): PowerPeriod[] {
  const shifts = schedule.shifts.map((shift) => {
    const s = parseHhmm(shift.start);
    if (s.hour === 24) throw new Error('a shift starts at 00:00 of the next day, not 24:00');
    return { ...shift, s, e: parseHhmm(shift.end) };
  });
  const instances: Array<{ start: number; end: number }> = [];
  const last = DateTime.fromMillis(to, { zone }).startOf('day').plus({ days: 1 });
  for (let date = DateTime.fromMillis(from, { zone }).startOf('day').minus({ days: 1 }); date <= last; ) {
    const iso = date.toISODate();
    shifts.forEach((shift, index) => {
      if (!shift.weekdays.includes(date.weekday)) return;
      if (
        shift.probability !== undefined &&
        !rngFor(seed, 'shift', iso ?? '', index).chance(shift.probability)
      ) {
        return;
      }
      const start = date.set({ hour: shift.s.hour, minute: shift.s.minute });
      const endsNextDay =
        shift.e.hour === 24 || shift.e.hour * 60 + shift.e.minute <= shift.s.hour * 60 + shift.s.minute;
      const end =
        shift.e.hour === 24
          ? date.plus({ days: 1 })
          : date.plus({ days: endsNextDay ? 1 : 0 }).set({ hour: shift.e.hour, minute: shift.e.minute });
      instances.push({ start: start.toMillis(), end: end.toMillis() });
    });
    date = date.plus({ days: 1 });
  }
  instances.sort((a, b) => a.start - b.start || a.end - b.end);

  const merged: Array<{ start: number; end: number; breaks: number[] }> = [];
  for (const shift of instances) {
    const current = merged[merged.length - 1];
    if (current && shift.start <= current.end) {
      if (shift.start > current.start) current.breaks.push(shift.start);
      current.end = Math.max(current.end, shift.end);
    } else {
      merged.push({ start: shift.start, end: shift.end, breaks: [] });
    }
  }

  const jitterMs = schedule.jitterMinutes * 60_000;
  const periods: PowerPeriod[] = [];
  for (const period of merged) {
    const jitter = (label: string, at: number) =>
      jitterMs === 0 ? 0 : Math.round(rngFor(seed, label, at).range(-jitterMs, jitterMs));
    // Never let jitter make a period vanish or swallow its own breaks.
    const on = Math.min(period.start + jitter('power-on', period.start), period.breaks[0] ?? Infinity);
    const off = Math.max(
      period.end + jitter('power-off', period.end),
      period.breaks.at(-1) ?? -Infinity,
      on + 60_000,
    );
    const clippedOn = Math.max(on, from);
    const clippedOff = Math.min(off, to);
    if (clippedOn >= clippedOff) continue;
    const previous = periods[periods.length - 1];
    if (previous && clippedOn <= previous.off) {
      // Jitter made two periods touch: one long period with a break.
      previous.breaks.push(clippedOn);
      previous.off = Math.max(previous.off, clippedOff);
      continue;
    }
    periods.push({
      on: clippedOn,
      off: clippedOff,
      breaks: period.breaks.filter((b) => b > clippedOn && b < clippedOff),
    });
  }
  return periods;
}
