import { describe, expect, it } from 'vitest';
import {
  addDays,
  assertCalendarDate,
  dateProblem,
  daysBetween,
  daysInclusive,
  firstCalendarDate,
  InvalidDateError,
  isCalendarDate,
  lastCalendarDate,
  supportedPart,
  utcDate,
} from './calendar-date.ts';

describe('dateProblem', () => {
  it('accepts real dates inside the supported range, leap days included', () => {
    for (const d of ['2024-02-29', '2000-02-29', '1970-01-01', '2099-12-31', '2024-12-31']) {
      expect(dateProblem(d), d).toBeNull();
      expect(isCalendarDate(d)).toBe(true);
    }
  });

  it('names the shape, the calendar or the range as the problem', () => {
    expect(dateProblem('2024-2-3')?.kind).toBe('format');
    expect(dateProblem("2024-01-01' or 1=1")?.kind).toBe('format');
    expect(dateProblem('2024-01-01T00:00')?.kind).toBe('format');
    expect(dateProblem('')?.kind).toBe('format');
    expect(dateProblem('2023-02-29')).toEqual({
      kind: 'calendar',
      message: 'is not a valid date (2023-02 has 28 days)',
    });
    expect(dateProblem('2100-02-29')?.message).toMatch(/28 days/); // a century, not a leap year
    expect(dateProblem('2024-13-01')?.message).toBe('is not a valid date (there is no month 13)');
    expect(dateProblem('2024-04-31')?.kind).toBe('calendar');
    expect(dateProblem('2024-01-00')?.kind).toBe('calendar');
    for (const d of ['0000-01-01', '0001-01-01', '1969-12-31', '2100-01-01', '9999-12-31']) {
      expect(dateProblem(d), d).toEqual({
        kind: 'range',
        message: `is outside the supported dates ${firstCalendarDate} to ${lastCalendarDate}`,
      });
    }
  });

  it('never repeats the input in its message; assertCalendarDate quotes it cut short', () => {
    const long = `2024-01-01${'x'.repeat(10_000)}`;
    expect(dateProblem(long)?.message).toBe('is not a date (expected YYYY-MM-DD)');
    expect(() => assertCalendarDate(long)).toThrow(InvalidDateError);
    expect(() => assertCalendarDate(long)).toThrow(/^'2024-01-01x{30}…' is not a date/);
    expect(assertCalendarDate('2024-03-01')).toBe('2024-03-01');
  });
});

describe('date arithmetic', () => {
  it('addDays crosses months, leap days and years', () => {
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2023-12-31', 1)).toBe('2024-01-01');
    expect(addDays('2024-10-26', 2)).toBe('2024-10-28');
  });

  it('addDays refuses to leave the supported range', () => {
    expect(() => addDays(lastCalendarDate, 1)).toThrow(InvalidDateError);
    expect(() => addDays(firstCalendarDate, -1)).toThrow(InvalidDateError);
    expect(() => addDays('2024-02-30', 0)).toThrow(InvalidDateError);
  });

  it('daysBetween is inclusive and empty when reversed; daysInclusive counts the same days', () => {
    expect(daysBetween('2024-02-28', '2024-03-01')).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect(daysBetween('2024-03-02', '2024-03-01')).toEqual([]);
    expect(daysBetween('2024-01-01', '2024-12-31')).toHaveLength(daysInclusive('2024-01-01', '2024-12-31'));
    expect(daysInclusive('2024-01-01', '2024-12-31')).toBe(366);
    expect(daysInclusive('2024-03-02', '2024-03-01')).toBe(0);
    expect(() => daysBetween('0001-01-01', '9999-12-31')).toThrow(InvalidDateError);
  });

  it('supportedPart cuts a span of local dates to the supported range', () => {
    expect(supportedPart('2024-01-01', '2024-01-31')).toEqual({ from: '2024-01-01', to: '2024-01-31' });
    expect(supportedPart('1969-12-31', '1970-01-05')).toEqual({ from: '1970-01-01', to: '1970-01-05' });
    expect(supportedPart('-000001-01-01', '+275760-09-13')).toEqual({
      from: firstCalendarDate,
      to: lastCalendarDate,
    });
    expect(supportedPart('2099-12-01', '+010000-01-01')).toEqual({
      from: '2099-12-01',
      to: lastCalendarDate,
    });
    expect(supportedPart('+010000-01-01', '+010000-01-02')).toBeNull();
    expect(supportedPart('1900-01-01', '1960-01-01')).toBeNull();
    expect(supportedPart('2024-02-01', '2024-01-01')).toBeNull();
  });

  it('utcDate is the UTC calendar date of an instant', () => {
    expect(utcDate(Date.UTC(2024, 1, 29, 23, 59))).toBe('2024-02-29');
  });
});
