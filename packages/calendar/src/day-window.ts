import { DateTime } from 'luxon';
import { assertCalendarDate, InvalidDateError } from './calendar-date.ts';

const HOUR_MS = 3_600_000;

/** A machine-local day as UTC epoch ms, with its hour buckets (DOMAIN §3). */
export interface DayWindow {
  /** `YYYY-MM-DD`, the machine-local date. */
  day: string;
  timezone: string;
  /** 00:00 of the day, epoch ms (inclusive). */
  start: number;
  /** 00:00 of the next day, epoch ms (exclusive). 23, 24 or 25 hours after `start`. */
  end: number;
  /**
   * Hour-bucket boundaries: `bounds[i]` is the start instant of the i-th local hour, and the last
   * element is `end`. On a fall-back day the repeated local hour is two buckets; in zones whose
   * offset is not a whole number of hours the buckets still start at local :00.
   */
  bounds: number[];
}

// 00:00 of `day` in `timezone`; `InvalidDateError` for a date the system does not accept.
function localMidnight(day: string, timezone: string): DateTime {
  const date = DateTime.fromISO(assertCalendarDate(day), { zone: timezone });
  if (!date.isValid) {
    throw new InvalidDateError(
      `'${day}' in time zone '${timezone}': ${date.invalidExplanation ?? 'invalid'}`,
    );
  }
  return date.startOf('day');
}

/**
 * The window of machine-local day `day` in `timezone`.
 *
 * @example
 * const w = dayWindow('2024-03-31', 'Europe/Madrid'); // spring forward
 * (w.end - w.start) / 3_600_000; // 23
 * w.bounds.length; // 24 (23 hour starts + the end)
 */
export function dayWindow(day: string, timezone: string): DayWindow {
  const startOfDay = localMidnight(day, timezone);
  const start = startOfDay.toMillis();
  const end = startOfDay.plus({ days: 1 }).startOf('day').toMillis();
  const bounds: number[] = [];
  // Walk instants an hour apart from the start, then realign to local :00 so that zones with
  // half-hour offsets or half-hour DST shifts still get local-hour buckets.
  let t = start;
  while (t < end) {
    bounds.push(t);
    const next = DateTime.fromMillis(t + HOUR_MS, { zone: timezone });
    const aligned = next.startOf('hour').toMillis();
    t = aligned > t ? aligned : t + HOUR_MS;
  }
  bounds.push(end);
  return { day, timezone, start, end, bounds };
}

/**
 * The machine-local date (`YYYY-MM-DD`) of an instant; not checked against the supported range.
 *
 * @example
 * localDay(Date.UTC(2024, 0, 14, 23, 30), 'Europe/Madrid'); // '2024-01-15'
 */
export function localDay(epochMs: number, timezone: string): string {
  return DateTime.fromMillis(epochMs, { zone: timezone }).toISODate()!;
}
