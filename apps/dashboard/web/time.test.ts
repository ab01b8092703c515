import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysBetween,
  formatAge,
  formatDuration,
  localDay,
  localMidnight,
  localTime,
  parseAware,
} from './time.ts';

const madrid = 'Europe/Madrid';

describe('local days and instants in a machine’s zone', () => {
  it('finds local midnight on ordinary and clock-change days', () => {
    expect(localMidnight('2024-10-25', madrid)).toBe(Date.parse('2024-10-24T22:00:00Z'));
    // The 27th starts in summer time (+02:00) and ends in winter time: 25 hours.
    expect(localMidnight('2024-10-27', madrid)).toBe(Date.parse('2024-10-26T22:00:00Z'));
    expect(localMidnight('2024-10-28', madrid)).toBe(Date.parse('2024-10-27T23:00:00Z'));
    // New York springs forward at 02:00 on 2024-03-10: that midnight is still standard time.
    expect(localMidnight('2024-03-10', 'America/New_York')).toBe(Date.parse('2024-03-10T05:00:00Z'));
    expect(localMidnight('2024-03-11', 'America/New_York')).toBe(Date.parse('2024-03-11T04:00:00Z'));
  });

  it('reads an instant back as the local day and 24-hour time', () => {
    const instant = Date.parse('2024-10-27T00:30:00Z');
    expect(localDay(instant, madrid)).toBe('2024-10-27');
    expect(localTime(instant, madrid)).toBe('02:30');
    // The repeated hour: 02:30 again, an hour later.
    expect(localTime(instant + 3_600_000, madrid)).toBe('02:30');
    expect(localDay(Date.parse('2024-10-24T22:00:00Z'), 'UTC')).toBe('2024-10-24');
  });

  it('steps calendar days across months, years and clock changes', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-10-28', -13)).toBe('2024-10-15');
    expect(daysBetween('2024-10-26', '2024-10-28')).toEqual(['2024-10-26', '2024-10-27', '2024-10-28']);
    expect(daysBetween('2024-10-28', '2024-10-26')).toEqual([]);
  });
});

describe('parseAware: the API’s aware timestamps', () => {
  it('reads offset, fraction and no fraction', () => {
    expect(parseAware('2024-10-25 21:54:00+02:00')).toBe(Date.parse('2024-10-25T19:54:00Z'));
    expect(parseAware('2024-10-27 02:30:00.123456+01:00')).toBe(Date.parse('2024-10-27T01:30:00.123Z'));
  });

  it('is NaN for anything else', () => {
    expect(parseAware('2024-10-25T21:54:00Z')).toBeNaN();
    expect(parseAware('2024-10-25 21:54:00')).toBeNaN();
  });
});

describe('durations and ages as text', () => {
  it('formatDuration: seconds, minutes, hours and minutes', () => {
    expect(formatDuration(40)).toBe('40 s');
    expect(formatDuration(12 * 60)).toBe('12 min');
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe('3 h 05 min');
    // Rounded to the minute first: 59 min 59 s is an hour.
    expect(formatDuration(3599)).toBe('1 h 00 min');
  });

  it('formatAge: roughly, never negative', () => {
    expect(formatAge(-5)).toBe('0 s ago');
    expect(formatAge(89)).toBe('89 s ago');
    expect(formatAge(180)).toBe('3 min ago');
    expect(formatAge(2 * 3600)).toBe('2 h ago');
    expect(formatAge(4 * 86_400)).toBe('4 days ago');
  });
});
