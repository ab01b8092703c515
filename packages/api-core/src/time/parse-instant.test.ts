import { describe, expect, it } from 'vitest';
import { parseInstant } from './parse-instant.ts';

const utc = (iso: string) => Date.parse(`${iso}Z`);
const ms = (text: string, zone = 'Europe/Madrid') => {
  const r = parseInstant(text, zone);
  if (!r.ok) throw new Error(r.message);
  return r.epochMs;
};

describe('parseInstant', () => {
  it.each([
    ['2024-03-01 08:00:00', utc('2024-03-01T07:00:00')],
    ['2024-03-01T08:00:00', utc('2024-03-01T07:00:00')],
    ['2024-03-01t08:00', utc('2024-03-01T07:00:00')],
    ['2024-03-01', utc('2024-02-29T23:00:00')],
    ['2024-07-01 08:00:00', utc('2024-07-01T06:00:00')],
    ['2024-03-01T08:00:00Z', utc('2024-03-01T08:00:00')],
    ['2024-03-01T08:00:00+05:30', utc('2024-03-01T02:30:00')],
    ['2024-03-01T08:00:00-0300', utc('2024-03-01T11:00:00')],
    ['2024-03-01T08:00:00+01', utc('2024-03-01T07:00:00')],
    ['2024-03-01T08:00:00 01:00', utc('2024-03-01T07:00:00')],
    ['2024-03-01T08:00:00.5Z', utc('2024-03-01T08:00:00.500')],
    ['2024-03-01T08:00:00,250Z', utc('2024-03-01T08:00:00.250')],
  ])('%s', (text, expected) => {
    expect(ms(text)).toBe(expected);
  });

  it('keeps a sub-millisecond fraction', () => {
    expect(ms('2024-03-01T08:00:00.123456Z')).toBeCloseTo(utc('2024-03-01T08:00:00.123') + 0.456, 6);
    expect(ms('2024-03-01T08:00:00.123456789Z')).toBeCloseTo(utc('2024-03-01T08:00:00.123') + 0.456789, 6);
  });

  it('reads a repeated autumn time as the earlier instant (summer time)', () => {
    expect(ms('2024-10-27 02:30:00')).toBe(utc('2024-10-27T00:30:00'));
    expect(ms('2024-10-27 03:00:00')).toBe(utc('2024-10-27T02:00:00'));
    expect(ms('2024-10-27 01:59:59')).toBe(utc('2024-10-26T23:59:59'));
  });

  it('moves a skipped spring time forward by the gap', () => {
    expect(ms('2024-03-31 02:30:00')).toBe(utc('2024-03-31T01:30:00')); // reads as 03:30 CEST
    expect(ms('2024-03-31 03:00:00')).toBe(utc('2024-03-31T01:00:00'));
  });

  it('uses the zone only without an offset', () => {
    expect(ms('2024-03-01 08:00:00', 'UTC')).toBe(utc('2024-03-01T08:00:00'));
    expect(ms('2024-03-01 08:00:00', 'America/New_York')).toBe(utc('2024-03-01T13:00:00'));
    expect(ms('2024-03-01 08:00:00Z', 'America/New_York')).toBe(utc('2024-03-01T08:00:00'));
  });

  it.each([
    '',
    'now',
    '2024-03-01 8:00',
    '2024-02-30T00:00:00',
    '2024-03-01T24:00:00',
    '2024-03-01T23:60:00',
    '2024-03-01T23:59:60',
    '0000-01-01T00:00:00',
    '2024-03-01T08:00:00+19:00',
    '2024-03-01T08:00:00+01:75',
    '2024-03-01 +01:00',
    '1709280000000',
    '2024-03-01T08:00:00.1234567890Z',
  ])('rejects %j', (text) => {
    const r = parseInstant(text, 'Europe/Madrid');
    expect(r.ok).toBe(false);
  });
});
