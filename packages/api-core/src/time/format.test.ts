import { describe, expect, it } from 'vitest';
import { formatAware, formatNaive, formatOffset, trimZeroFraction } from './format.ts';

describe('trimZeroFraction', () => {
  it('drops only a zero fraction', () => {
    expect(trimZeroFraction('2021-09-14 05:00:00.000000')).toBe('2021-09-14 05:00:00');
    expect(trimZeroFraction('2022-02-23 13:17:57.265000')).toBe('2022-02-23 13:17:57.265000');
    expect(trimZeroFraction('2022-02-23 13:17:57.000001')).toBe('2022-02-23 13:17:57.000001');
  });
});

describe('formatOffset', () => {
  it('formats minutes east of UTC', () => {
    expect(formatOffset(0)).toBe('+00:00');
    expect(formatOffset(120)).toBe('+02:00');
    expect(formatOffset(-150)).toBe('-02:30');
    expect(formatOffset(345)).toBe('+05:45');
  });
});

describe('formatAware', () => {
  it("writes the zone's wall time and offset, the fraction only when not zero", () => {
    expect(formatAware(Date.UTC(2022, 1, 23, 13, 17, 57), 'UTC')).toBe('2022-02-23 13:17:57+00:00');
    expect(formatAware(Date.UTC(2022, 1, 23, 13, 17, 57, 265), 'UTC')).toBe(
      '2022-02-23 13:17:57.265000+00:00',
    );
    expect(formatAware(new Date(Date.UTC(2024, 9, 27, 0, 40)), 'Europe/Madrid')).toBe(
      '2024-10-27 02:40:00+02:00',
    );
    expect(formatAware(Date.UTC(2024, 9, 27, 1, 30), 'Europe/Madrid')).toBe('2024-10-27 02:30:00+01:00');
    expect(formatAware(Date.UTC(2024, 0, 1, 12), 'America/St_Johns')).toBe('2024-01-01 08:30:00-03:30');
  });
});

describe('formatNaive', () => {
  it('is the aware timestamp without its offset', () => {
    expect(formatNaive(Date.UTC(2024, 9, 27, 0, 40), 'Europe/Madrid')).toBe('2024-10-27 02:40:00');
    expect(formatNaive(Date.UTC(2024, 9, 27, 1, 30, 0, 5), 'Europe/Madrid')).toBe(
      '2024-10-27 02:30:00.005000',
    );
    expect(formatNaive(Date.UTC(2024, 0, 1, 12), 'America/St_Johns')).toBe('2024-01-01 08:30:00');
  });
});
