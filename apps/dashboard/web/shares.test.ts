import { describe, expect, it } from 'vitest';
import { alertsByType } from './alerts.ts';
import { hoursText, offDay, shareText } from './shares.ts';
import { localMidnight } from './time.ts';

describe('shareText / hoursText: a served number as shown', () => {
  it('keeps the served 2 decimals and never wraps before the unit', () => {
    expect(shareText(25.55)).toBe('25.55\u202f%');
    expect(shareText(100)).toBe('100.00\u202f%');
    expect(hoursText(6.125)).toBe('6.13\u202fh');
  });

  it('shows a missing value as a dash', () => {
    expect(shareText(null)).toBe('–');
    expect(hoursText(null)).toBe('–');
  });
});

describe('offDay: a day after a stop, read as the aggregate reads an off day', () => {
  it('is 100 % off, its hours the day’s length', () => {
    const zone = 'Europe/Madrid';
    const day = (d: string, next: string) => offDay(localMidnight(d, zone), localMidnight(next, zone));
    expect(day('2024-10-26', '2024-10-27')).toEqual({
      shares: { running: 0, idle: 0, off: 100, unknown: 0 },
      hours: { running: 0, idle: 0, off: 24, unknown: 0 },
      day_hours: 24,
    });
    expect(day('2024-10-27', '2024-10-28').day_hours).toBe(25);
    expect(day('2024-03-31', '2024-04-01').hours.off).toBe(23);
  });
});

describe('alertsByType: activations per severity', () => {
  it('gives every severity, 0 for those the API did not list', () => {
    expect(
      alertsByType([
        { day: '2024-10-25', alert_type: 'warning', amount: 7 },
        { day: '2024-10-25', alert_type: 'error', amount: 2 },
      ]),
    ).toEqual({ emergency: 0, error: 2, warning: 7, other: 0 });
    expect(alertsByType([])).toEqual({ emergency: 0, error: 0, warning: 0, other: 0 });
  });
});
