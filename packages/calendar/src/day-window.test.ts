import { describe, expect, it } from 'vitest';
import { InvalidDateError } from './calendar-date.ts';
import { dayWindow, localDay } from './day-window.ts';

const H = 3_600_000;

describe('dayWindow', () => {
  it('a plain Madrid winter day is 24 local hours from 23:00 UTC', () => {
    const w = dayWindow('2024-01-15', 'Europe/Madrid');
    expect(new Date(w.start).toISOString()).toBe('2024-01-14T23:00:00.000Z');
    expect(w.end - w.start).toBe(24 * H);
    expect(w.bounds).toHaveLength(25);
  });

  it('spring forward in Madrid: 23 hours, 02:00 local does not exist', () => {
    const w = dayWindow('2024-03-31', 'Europe/Madrid');
    expect(w.end - w.start).toBe(23 * H);
    expect(w.bounds).toHaveLength(24);
    expect(new Date(w.bounds[2]!).toISOString()).toBe('2024-03-31T01:00:00.000Z'); // 03:00 CEST
  });

  it('fall back in Madrid: 25 hours, the repeated 02:00 is two buckets', () => {
    const w = dayWindow('2024-10-27', 'Europe/Madrid');
    expect(w.end - w.start).toBe(25 * H);
    expect(w.bounds).toHaveLength(26);
    expect(new Date(w.bounds[2]!).toISOString()).toBe('2024-10-27T00:00:00.000Z'); // 02:00 CEST
    expect(new Date(w.bounds[3]!).toISOString()).toBe('2024-10-27T01:00:00.000Z'); // 02:00 CET
  });

  it('a half-hour zone keeps local-hour buckets', () => {
    const w = dayWindow('2024-06-01', 'Asia/Kolkata');
    expect(new Date(w.start).toISOString()).toBe('2024-05-31T18:30:00.000Z');
    expect(w.bounds.every((b, i) => i === 0 || b - w.bounds[i - 1]! === H)).toBe(true);
  });

  it('Lord Howe shifts by 30 minutes: the short day still ends at local midnight', () => {
    const w = dayWindow('2024-04-07', 'Australia/Lord_Howe');
    expect(w.end - w.start).toBe(24.5 * H);
    expect(w.bounds.at(-1)).toBe(w.end);
    expect(w.bounds.every((b, i) => i === 0 || b > w.bounds[i - 1]!)).toBe(true);
  });

  it('rejects malformed and impossible dates', () => {
    expect(() => dayWindow('2024-02-30', 'UTC')).toThrow(InvalidDateError);
    expect(() => dayWindow('2024-2-3', 'UTC')).toThrow(InvalidDateError);
    expect(() => dayWindow("2024-01-01' or 1=1", 'UTC')).toThrow(InvalidDateError);
    expect(() => dayWindow('0001-01-01', 'UTC')).toThrow(InvalidDateError);
    expect(() => dayWindow('9999-12-31', 'UTC')).toThrow(InvalidDateError);
  });

  it('refuses an unknown time zone', () => {
    expect(() => dayWindow('2024-01-01', 'Mars/Olympus')).toThrow(/time zone 'Mars\/Olympus'/);
  });
});

describe('localDay', () => {
  it('localDay uses the machine timezone', () => {
    expect(localDay(Date.UTC(2024, 0, 14, 23, 30), 'Europe/Madrid')).toBe('2024-01-15');
    expect(localDay(Date.UTC(2024, 0, 14, 23, 30), 'UTC')).toBe('2024-01-14');
  });
});
