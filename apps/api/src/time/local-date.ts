// Calendar dates (`YYYY-MM-DD`, a machine's local day) as plain strings: no time zone is involved,
// so the arithmetic is done on UTC midnights.

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const dayMs = 86_400_000;

function utcMidnight(date: string): number | null {
  const m = datePattern.exec(date);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // PostgreSQL has no year 0, and years past 9999 do not fit the format.
  if (year < 1 || month < 1 || month > 12 || day < 1) return null;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  // 2024-02-30 rolls over into March: not a calendar date.
  return d.getUTCDate() === day && d.getUTCMonth() === month - 1 ? d.getTime() : null;
}

/**
 * True for a real calendar date written `YYYY-MM-DD` (years 0001-9999).
 *
 * @example
 * isCalendarDate('2024-02-29'); // true
 * isCalendarDate('2023-02-29'); // false
 */
export function isCalendarDate(text: string): boolean {
  return utcMidnight(text) !== null;
}

/**
 * Number of days from `from` to `to`, both included (0 or less when `to` is before `from`).
 *
 * @example
 * daysInclusive('2024-01-01', '2024-01-31'); // 31
 */
export function daysInclusive(from: string, to: string): number {
  const a = utcMidnight(from);
  const b = utcMidnight(to);
  if (a === null || b === null) throw new RangeError('not calendar dates');
  return Math.round((b - a) / dayMs) + 1;
}

/**
 * Every date from `from` to `to`, both included.
 *
 * @example
 * eachDay('2024-02-28', '2024-03-01'); // ['2024-02-28', '2024-02-29', '2024-03-01']
 */
export function eachDay(from: string, to: string): string[] {
  const start = utcMidnight(from);
  const end = utcMidnight(to);
  if (start === null || end === null) throw new RangeError('not calendar dates');
  const days: string[] = [];
  for (let t = start; t <= end; t += dayMs) days.push(formatUtcDate(t));
  return days;
}

function formatUtcDate(ms: number): string {
  const d = new Date(ms);
  const y = String(d.getUTCFullYear()).padStart(4, '0');
  const m = String(d.getUTCMonth() + 1).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}
