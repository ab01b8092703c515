/** The four MTConnect condition levels, by their lower-case spelling, mapped to the canonical one. */
const LEVELS: ReadonlyMap<string, string> = new Map([
  ['normal', 'Normal'],
  ['warning', 'Warning'],
  ['fault', 'Fault'],
  ['unavailable', 'Unavailable'],
]);

/** A condition level spelled in any case, as its canonical spelling; `undefined` if it is not one. */
export function conditionLevel(field: string): string | undefined {
  return LEVELS.get(field.toLowerCase());
}

/** One key's reading on a line. */
export interface ShdrToken {
  key: string;
  /**
   * As logged; for a condition the five fields `Level|code|nativeSeverity|qualifier|message`, with the
   * level in its canonical spelling (`Normal`, `Warning`, `Fault`, `Unavailable`).
   */
  value: string;
  condition: boolean;
}

export type ShdrLine =
  | { kind: 'data'; ts: number; tokens: ShdrToken[] }
  | { kind: 'blank' }
  | { kind: 'malformed'; reason: string };

/**
 * Whether a key is a condition (it then takes five fields): `true`/`false` when the device model or
 * the database knows the key, `undefined` when the line's shape has to decide.
 */
export type IsCondition = (key: string) => boolean | undefined;

/**
 * Parses one SHDR line: `ts|key|value[|key|value…]`, a condition key taking five fields
 * (`Level|code|nativeSeverity|qualifier|message`). A key nobody knows is read as a condition when its
 * next field is a level and five fields remain. A condition key at the end of a line with fewer than five
 * fields left but a level first (`ts|Xtravel|UNAVAILABLE`) is padded with empty fields, as agents accept it.
 * A trailing CR (CRLF line ends) is not part of the line.
 *
 * @example
 * parseShdrLine('2019-06-18T10:13:09.870Z|Xload|34', () => false)
 * // { kind: 'data', ts: 1560852789870, tokens: [{ key: 'Xload', value: '34', condition: false }] }
 */
export function parseShdrLine(line: string, isCondition: IsCondition): ShdrLine {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '') return { kind: 'blank' };
  const fields = text.split('|');
  const ts = parseShdrTimestamp(fields[0]!);
  if (ts === undefined) return { kind: 'malformed', reason: 'bad timestamp' };
  if (fields.length < 3) return { kind: 'malformed', reason: 'no key|value pair' };
  const tokens: ShdrToken[] = [];
  let i = 1;
  while (i < fields.length) {
    const key = fields[i]!;
    if (key === '') return { kind: 'malformed', reason: 'empty key' };
    const left = fields.length - i - 1;
    if (left < 1) return { kind: 'malformed', reason: `key ${key} without a value` };
    const known = isCondition(key);
    // Only a condition key, or a key nobody knows with room for five fields, needs its level looked at.
    const level =
      known === false || (known === undefined && left < 5) ? undefined : conditionLevel(fields[i + 1]!);
    const condition = known ?? level !== undefined;
    if (!condition) {
      tokens.push({ key, value: fields[i + 1]!, condition: false });
      i += 2;
      continue;
    }
    if (level === undefined) return { kind: 'malformed', reason: `condition ${key} without a level` };
    // Fewer than five fields can only be left at the end of the line: pad them (see above).
    const rest = fields.slice(i + 2, i + 6);
    while (rest.length < 4) rest.push('');
    tokens.push({ key, value: [level, ...rest].join('|'), condition: true });
    i += 6;
  }
  return { kind: 'data', ts, tokens };
}

// ISO 8601 as agents write it: date, time, optional fraction of any length, `Z`, an offset, or nothing
// (SHDR time is UTC when no zone is given).
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Epoch milliseconds of an SHDR timestamp, the fraction *truncated* to the millisecond (microsecond
 * stamps are common); `undefined` if it is not a valid instant.
 *
 * @example
 * parseShdrTimestamp('2019-06-12T07:00:46.763699Z') // 1560322846763
 */
export function parseShdrTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const dayMs = utcDayMs(text.slice(0, 10));
  if (dayMs === undefined) return undefined;
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = m[7] ?? '';
  const millis = fraction.length >= 3 ? Number(fraction.slice(0, 3)) : Number(fraction.padEnd(3, '0'));
  return dayMs + ((hour * 60 + minute) * 60 + second) * 1000 + millis - zoneOffsetMs(m[8]);
}

// A log has one or two dates on thousands of lines: remember the last one instead of rebuilding it.
let lastDay = '';
let lastDayMs: number | undefined;

/** 00:00 UTC of a `YYYY-MM-DD` date in epoch ms; `undefined` for a day the month does not have. */
function utcDayMs(day: string): number | undefined {
  if (day === lastDay) return lastDayMs;
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  const date = Number(day.slice(8, 10));
  const ms = Date.UTC(year, month - 1, date);
  // Date.UTC rolls 31 June over into July: such a date is not valid.
  const valid = month >= 1 && month <= 12 && date >= 1 && new Date(ms).getUTCDate() === date;
  lastDay = day;
  lastDayMs = valid ? ms : undefined;
  return lastDayMs;
}

function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * 60_000;
}
