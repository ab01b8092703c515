/**
 * Raw data as plain objects, and DOMAIN §1 / §4 written out directly: how a reading of a role is
 * classified, and the intervals during which each reading holds. Shares no code with the SQL path.
 */

/** A raw variable and its whole log (any order). Float values are float4 numbers (`NaN`, ±Infinity, -0 allowed). */
export interface RawSeries {
  id: number;
  name: string;
  datatype: string;
  readings: Array<{ date: number; value: number | string | null }>;
}

export type Kind = 'valid' | 'off' | 'invalid';
export type Classify = (value: number | string | null) => Kind;

const NUMERIC_DATATYPES = [
  'java.lang.Integer',
  'java.lang.Short',
  'java.lang.Long',
  'java.lang.Double',
  'java.lang.Float',
  'java.lang.Boolean',
];

/** DOMAIN §1: numeric Java datatypes log to the float table, everything else to the string one. */
export function logsFloats(series: RawSeries): boolean {
  return NUMERIC_DATATYPES.includes(series.datatype);
}

/** PostgreSQL's `btrim(text)`: spaces only. */
export function trimSpaces(s: string): string {
  return s.replace(/^ +| +$/g, '');
}

/** A float role: finite valid, NaN/NULL off, ±Infinity invalid. */
export const floatKind: Classify = (v) => {
  if (v === null || (typeof v === 'number' && Number.isNaN(v))) return 'off';
  if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) return 'invalid';
  return 'valid';
};

/** A string role: NULL, empty (after trimming spaces) or UNAVAILABLE off; anything else valid. */
export const stringKind: Classify = (v) => {
  if (v === null) return 'off';
  const t = trimSpaces(String(v));
  return t === '' || t === 'UNAVAILABLE' ? 'off' : 'valid';
};

/** A float role with a valid range [min, max): outside it (±Infinity included) invalid. */
export function rangeKind(min: number, max: number): Classify {
  return (v) => {
    if (floatKind(v) === 'off') return 'off';
    const n = v as number;
    return n >= min && n < max ? 'valid' : 'invalid';
  };
}

/** A temperature sensor: as a float role, and `0` is a missing value (off) when the profile says so. */
export function sensorKind(zeroIsMissing: boolean): Classify {
  return (v) => (zeroIsMissing && v === 0 ? 'off' : floatKind(v));
}

export interface Held {
  /** Instant the interval starts (inclusive) and ends (exclusive), epoch ms. */
  s: number;
  e: number;
  value: number | string | null;
  kind: 'valid' | 'off';
}

/**
 * DOMAIN §4: each non-invalid reading holds from its date until the next non-invalid reading of the
 * same variable; only the part inside [from, until) counts (until = min(day end, horizon)).
 */
export function heldIntervals(series: RawSeries, classify: Classify, from: number, until: number): Held[] {
  const kept = series.readings
    .map((r) => ({ ...r, kind: classify(r.value) }))
    .filter((r) => r.kind !== 'invalid')
    .sort((a, b) => a.date - b.date);
  const out: Held[] = [];
  kept.forEach((r, i) => {
    const next = kept[i + 1]?.date ?? Number.POSITIVE_INFINITY;
    const s = Math.max(r.date, from);
    const e = Math.min(next, until);
    if (e > s) out.push({ s, e, value: r.value, kind: r.kind as 'valid' | 'off' });
  });
  return out;
}

/** Rows of the day window [start, end) of these variables, and how many of them are invalid. */
export function countReadings(
  list: Array<{ series: RawSeries; classify: Classify }>,
  start: number,
  end: number,
): { rowsRead: number; invalidSkipped: number } {
  let rowsRead = 0;
  let invalidSkipped = 0;
  for (const { series, classify } of list) {
    for (const r of series.readings) {
      if (r.date < start || r.date >= end) continue;
      rowsRead++;
      if (classify(r.value) === 'invalid') invalidSkipped++;
    }
  }
  return { rowsRead, invalidSkipped };
}
