import { describe, expect, it } from 'vitest';
import { daysInclusive, eachDay, isCalendarDate } from './local-date.ts';

describe('isCalendarDate', () => {
  it.each(['2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31', '2024-10-27'])('accepts %s', (d) => {
    expect(isCalendarDate(d)).toBe(true);
  });
  it.each([
    '2023-02-29',
    '1900-02-29',
    '2024-02-30',
    '2024-04-31',
    '2024-13-01',
    '2024-00-10',
    '2024-01-00',
    '0000-01-01',
    '2024-1-1',
    ' 2024-01-01',
    '2024-01-01 ',
  ])('rejects %j', (d) => {
    expect(isCalendarDate(d)).toBe(false);
  });
});

describe('day ranges', () => {
  it('counts and lists days, both ends included, across month and leap-day boundaries', () => {
    expect(daysInclusive('2024-01-01', '2024-12-31')).toBe(366);
    expect(daysInclusive('2024-03-02', '2024-03-01')).toBe(0);
    expect(eachDay('2024-02-28', '2024-03-01')).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect(eachDay('2024-10-26', '2024-10-28')).toEqual(['2024-10-26', '2024-10-27', '2024-10-28']);
    expect(eachDay('0099-12-31', '0100-01-01')).toEqual(['0099-12-31', '0100-01-01']);
  });
});
