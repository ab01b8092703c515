import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';

// `YYYY-MM-DD`, then optionally a time (`T`, `t` or a space before it; seconds and a fraction
// optional) and after the time optionally `Z` or an offset (`+HH:MM`, `+HHMM`, `+HH`). A `+` in a query string
// that was not percent-encoded arrives as a space, so ` HH:MM` after the time is read as `+HH:MM`.
const pattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:(Z|z)|([+\- ])(\d{2})(?::?(\d{2}))?)?)?$/;

export type ParsedInstant = { ok: true; epochMs: number } | { ok: false; message: string };

/**
 * Parses a timestamp with or without an offset into epoch milliseconds (with a sub-millisecond
 * fraction when the text has one). Without an offset it is a wall-clock time in `zone`; a time that
 * does not exist there (the hour skipped in spring) is moved forward by the gap, and a repeated time
 * (the hour repeated in autumn) is read as the earlier instant, as Python's `fold=0` does.
 *
 * @example
 * parseInstant('2024-10-27 02:30:00', 'Europe/Madrid'); // { ok: true, epochMs: Date.UTC(2024, 9, 27, 0, 30) }
 * parseInstant('2024-10-27T02:30:00Z', 'Europe/Madrid'); // { ok: true, epochMs: Date.UTC(2024, 9, 27, 2, 30) }
 */
export function parseInstant(text: string, zone: string): ParsedInstant {
  const m = pattern.exec(text.trim());
  if (!m) {
    return {
      ok: false,
      message: 'must be a timestamp like 2024-03-01 08:00:00 or 2024-03-01T08:00:00+01:00',
    };
  }
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, offH, offM] = m;
  let offsetZone: FixedOffsetZone | null = null;
  if (zulu) offsetZone = FixedOffsetZone.utcInstance;
  else if (sign) {
    const hours = Number(offH);
    const minutes = Number(offM ?? '0');
    if (hours > 18 || minutes > 59) return { ok: false, message: 'has an impossible UTC offset' };
    const total = (hours * 60 + minutes) * (sign === '-' ? -1 : 1);
    offsetZone = FixedOffsetZone.instance(total);
  }
  const digits = (fraction ?? '').padEnd(9, '0');
  const millisecond = Number(digits.slice(0, 3));
  const subMillisecond = Number(digits.slice(3)) / 1e6;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  const [hour, minute, second] = [Number(h ?? '0'), Number(mi ?? '0'), Number(s ?? '0')];
  // Luxon accepts hour 24 (as the next midnight): the format does not.
  if (year < 1 || hour > 23 || minute > 59 || second > 59) {
    return { ok: false, message: 'is not a real date and time' };
  }
  const wall = DateTime.fromObject(
    { year, month, day, hour, minute, second, millisecond },
    { zone: FixedOffsetZone.utcInstance },
  );
  if (!wall.isValid) return { ok: false, message: 'is not a real date and time' };
  const epochMs = offsetZone
    ? wall.toMillis() - offsetZone.offset(0) * 60_000
    : wallTimeIn(wall.toMillis(), zone);
  return { ok: true, epochMs: epochMs + subMillisecond };
}

// The instant at which the clocks of `zone` show `wallMs` (a wall-clock time written as if UTC): the
// earlier one when the time occurs twice, and for a time that never occurs, the wall time moved
// forward by the gap (as clocks read right after it).
function wallTimeIn(wallMs: number, zone: string): number {
  const tz = IANAZone.create(zone);
  const offsets = new Set([-1, 0, 1].map((days) => tz.offset(wallMs + days * 86_400_000)));
  const instants = [...offsets]
    .map((offset) => wallMs - offset * 60_000)
    .filter((instant) => wallMs - tz.offset(instant) * 60_000 === instant);
  if (instants.length > 0) return Math.min(...instants);
  // In a gap: read with the offset in force before it, which lands after the gap.
  return wallMs - tz.offset(wallMs - 86_400_000) * 60_000;
}
