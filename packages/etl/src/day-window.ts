import { DateTime } from 'luxon';

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

export class InvalidDayError extends Error {
  override name = 'InvalidDayError';
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Parses a `YYYY-MM-DD` string as a calendar date, rejecting impossible ones (2024-02-30). */
export function parseDay(day: string, timezone = 'UTC'): DateTime {
  if (!DAY_PATTERN.test(day)) throw new InvalidDayError(`'${day}' is not a date (YYYY-MM-DD)`);
  const date = DateTime.fromISO(day, { zone: timezone });
  if (!date.isValid)
    throw new InvalidDayError(`'${day}' is not a valid date (${date.invalidExplanation ?? 'invalid'})`);
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
  const startOfDay = parseDay(day, timezone);
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
  return { day: startOfDay.toISODate()!, timezone, start, end, bounds };
}

/** The machine-local date (`YYYY-MM-DD`) of an instant. */
export function localDay(epochMs: number, timezone: string): string {
  return DateTime.fromMillis(epochMs, { zone: timezone }).toISODate()!;
}

/** Every date from `from` to `to` inclusive (calendar dates; empty when from > to). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  let d = parseDay(from);
  const last = parseDay(to);
  while (d <= last) {
    days.push(d.toISODate()!);
    d = d.plus({ days: 1 });
  }
  return days;
}
