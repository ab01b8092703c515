import { dayWindow } from '@mm/calendar';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RawSeries, referenceDay } from './index.ts';
import { floatKind, heldIntervals, rangeKind, sensorKind, stringKind } from './series.ts';

const HOUR = 3_600_000;
const T = (iso: string) => Date.parse(iso);

describe('reference days', () => {
  it('has 23, 24 and 25 hour days, and local hours at :30 UTC in Kolkata', () => {
    const spring = referenceDay('2024-03-31', 'Europe/Madrid');
    expect([spring.start, spring.end]).toEqual([T('2024-03-30T23:00:00Z'), T('2024-03-31T22:00:00Z')]);
    expect(spring.hourStarts).toHaveLength(23);
    const fall = referenceDay('2024-10-27', 'Europe/Madrid');
    expect(fall.hourStarts).toHaveLength(25);
    // 02:00 CEST (00:00Z) and 02:00 CET (01:00Z) are two buckets.
    expect(fall.hourStarts.slice(2, 5)).toEqual([
      T('2024-10-27T00:00:00Z'),
      T('2024-10-27T01:00:00Z'),
      T('2024-10-27T02:00:00Z'),
    ]);
    const kolkata = referenceDay('2024-06-14', 'Asia/Kolkata');
    expect(kolkata.start).toBe(T('2024-06-13T18:30:00Z'));
    expect(kolkata.hourStarts[1]).toBe(T('2024-06-13T19:30:00Z'));
  });

  // Two independent implementations (Intl brute force here, luxon in day-window.ts) must agree.
  it('agrees with dayWindow on any date in the property test zones', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2037, 11, 31) }),
        fc.constantFrom('UTC', 'Europe/Madrid', 'America/New_York', 'Asia/Kolkata'),
        (ms, zone) => {
          const day = new Date(ms).toISOString().slice(0, 10);
          const ours = referenceDay(day, zone);
          const theirs = dayWindow(day, zone);
          expect([ours.start, ours.end, [...ours.hourStarts, ours.end]]).toEqual([
            theirs.start,
            theirs.end,
            theirs.bounds,
          ]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('reference classification and intervals', () => {
  it('classifies readings as DOMAIN §1 says', () => {
    expect([Number.NaN, null, 0, 255, Number.POSITIVE_INFINITY].map(floatKind)).toEqual([
      'off',
      'off',
      'valid',
      'valid',
      'invalid',
    ]);
    expect([Number.NaN, -0.5, 0, 999.75, 1000].map(rangeKind(0, 1000))).toEqual([
      'off',
      'invalid',
      'valid',
      'valid',
      'invalid',
    ]);
    expect([0, -0, 1].map(sensorKind(true))).toEqual(['off', 'off', 'valid']);
    expect([0].map(sensorKind(false))).toEqual(['valid']);
    expect([null, '', '  ', 'UNAVAILABLE', ' UNAVAILABLE ', 'READY'].map(stringKind)).toEqual([
      'off',
      'off',
      'off',
      'off',
      'off',
      'valid',
    ]);
  });

  it('holds each reading until the next non-invalid one, clipped to [from, until)', () => {
    const series: RawSeries = {
      id: 1,
      name: 'X',
      datatype: 'java.lang.Double',
      readings: [
        { date: 5 * HOUR, value: Number.POSITIVE_INFINITY }, // invalid: 50 stands
        { date: 0, value: 50 }, // carry-in
        { date: 6 * HOUR, value: Number.NaN },
        { date: 20 * HOUR, value: 10 }, // after until
      ],
    };
    expect(heldIntervals(series, floatKind, 2 * HOUR, 8 * HOUR)).toEqual([
      { s: 2 * HOUR, e: 6 * HOUR, value: 50, kind: 'valid' },
      { s: 6 * HOUR, e: 8 * HOUR, value: Number.NaN, kind: 'off' },
    ]);
  });
});
