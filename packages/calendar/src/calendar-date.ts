// Calendar dates written `YYYY-MM-DD` (a machine's local day) as plain strings. No time zone is
// involved, so the arithmetic runs on UTC midnights; no dependency, so the dashboard's browser
// bundle uses the same rules as the API, the queue and the ETLs.

/** The first date any part of the system accepts (README: why these bounds). */
export const firstCalendarDate = '1970-01-01';
/** The last date any part of the system accepts. */
export const lastCalendarDate = '2099-12-31';

/**
 * The longest `from`..`to` range, both days included, that one API request or one command takes: a
 * leap year. Longer spans go in parts (or, for the queue, as a backfill bounded by the data).
 */
export const maxRangeDays = 366;

/** What is wrong with a date: its shape, the calendar (2023-02-29), or the supported range. */
export type DateProblemKind = 'format' | 'calendar' | 'range';

export interface DateProblem {
  kind: DateProblemKind;
  /** A sentence that never repeats the input (it may be huge): callers quote it where that helps. */
  message: string;
}

/** A string that is not a date the system accepts. */
export class InvalidDateError extends RangeError {
  override name = 'InvalidDateError';
}

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const dayMs = 86_400_000;

/**
 * Why `text` is not a date the system accepts, or `null` when it is one.
 *
 * @example
 * dateProblem('2024-02-29'); // null
 * dateProblem('2023-02-29'); // { kind: 'calendar', message: 'is not a valid date (2023-02 has 28 days)' }
 * dateProblem('0001-01-01'); // { kind: 'range', message: 'is outside the supported dates 1970-01-01 to 2099-12-31' }
 */
export function dateProblem(text: string): DateProblem | null {
  const m = datePattern.exec(text);
  if (!m) return { kind: 'format', message: 'is not a date (expected YYYY-MM-DD)' };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) {
    return { kind: 'calendar', message: `is not a valid date (there is no month ${m[2]})` };
  }
  const length = daysInMonth(year, month);
  if (day < 1 || day > length) {
    return { kind: 'calendar', message: `is not a valid date (${m[1]}-${m[2]} has ${length} days)` };
  }
  // Fixed-width strings of the same shape compare as dates.
  if (text < firstCalendarDate || text > lastCalendarDate) {
    return {
      kind: 'range',
      message: `is outside the supported dates ${firstCalendarDate} to ${lastCalendarDate}`,
    };
  }
  return null;
}

/**
 * True for a date the system accepts: `YYYY-MM-DD`, a real calendar date, within
 * {@link firstCalendarDate}..{@link lastCalendarDate}.
 *
 * @example
 * isCalendarDate('2024-02-29'); // true
 * isCalendarDate('2023-02-29'); // false
 * isCalendarDate('9999-12-31'); // false
 */
export function isCalendarDate(text: string): boolean {
  return dateProblem(text) === null;
}

/**
 * `text` itself when it is a date the system accepts; otherwise throws {@link InvalidDateError}
 * quoting it (cut short) and saying why.
 *
 * @example
 * const day = assertCalendarDate(input); // '2024-03-01'
 */
export function assertCalendarDate(text: string): string {
  const problem = dateProblem(text);
  if (problem) throw new InvalidDateError(`${quote(text)} ${problem.message}`);
  return text;
}

/**
 * The date `n` days after `day` (before, when negative). Throws {@link InvalidDateError} when
 * `day` or the result is not a date the system accepts.
 *
 * @example
 * addDays('2024-03-01', -1); // '2024-02-29'
 */
export function addDays(day: string, n: number): string {
  return assertCalendarDate(utcDate(utcMidnight(day) + n * dayMs));
}

/**
 * Every date from `from` to `to`, both included; empty when `to` is before `from`.
 *
 * @example
 * daysBetween('2024-02-28', '2024-03-01'); // ['2024-02-28', '2024-02-29', '2024-03-01']
 */
export function daysBetween(from: string, to: string): string[] {
  const start = utcMidnight(from);
  const end = utcMidnight(to);
  const days: string[] = [];
  for (let t = start; t <= end; t += dayMs) days.push(utcDate(t));
  return days;
}

/**
 * Number of days from `from` to `to`, both included (0 or less when `to` is before `from`).
 *
 * @example
 * daysInclusive('2024-01-01', '2024-12-31'); // 366
 */
export function daysInclusive(from: string, to: string): number {
  return Math.round((utcMidnight(to) - utcMidnight(from)) / dayMs) + 1;
}

/**
 * The part of `from`..`to` inside the supported range, or `null` when none of it is. The bounds may
 * be any local date of an instant (a stray reading stamped 1969, or year +275760), as luxon writes it.
 *
 * @example
 * supportedPart('1969-12-31', '1970-01-05'); // { from: '1970-01-01', to: '1970-01-05' }
 */
export function supportedPart(from: string, to: string): { from: string; to: string } | null {
  // An expanded year (`+010000-01-01`) is after every four-digit one; a negative one is already before.
  const key = (day: string) => (day.startsWith('+') ? `~${day}` : day);
  const start = key(from) < firstCalendarDate ? firstCalendarDate : from;
  const end = key(to) > lastCalendarDate ? lastCalendarDate : to;
  return key(start) <= key(end) && isCalendarDate(start) && isCalendarDate(end)
    ? { from: start, to: end }
    : null;
}

/**
 * The UTC date of an instant (epoch ms), `YYYY-MM-DD`; not checked against the supported range.
 *
 * @example
 * utcDate(Date.UTC(2024, 1, 29, 23, 59)); // '2024-02-29'
 */
export function utcDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

function utcMidnight(day: string): number {
  const [y, m, d] = assertCalendarDate(day).split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function quote(text: string): string {
  return `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}'`;
}
