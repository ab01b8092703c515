import { type RawBuilder, sql } from 'kysely';

/**
 * How a role classifies raw readings (DOMAIN §1): valid, off (machine or signal off/unknown), or
 * invalid (skipped as if never logged, and counted). Expressed as SQL predicates over `value`.
 */
export interface ReadingClass {
  /** True for an invalid reading; such rows are excluded before any interval is built. */
  invalid: RawBuilder<boolean>;
  /** True for an off reading (NaN, NULL, UNAVAILABLE, empty). */
  off: RawBuilder<boolean>;
}

const v = sql.ref('value');

/** Float roles (state, motor loads): any finite value is valid, NaN/NULL off, ±Infinity invalid. */
export const floatReading: ReadingClass = {
  // `is not null` first: `NULL in (...)` is NULL, and `not NULL` would drop an off row as if invalid.
  invalid: sql<boolean>`(${v} is not null and ${v} in ('Infinity'::real, '-Infinity'::real))`,
  off: sql<boolean>`(${v} is null or ${v} = 'NaN'::real)`,
};

/** A float role with a valid range [min, max) (the logger's program number): out of range is invalid. */
export function floatRangeReading(min: number, max: number): ReadingClass {
  return {
    // PostgreSQL orders NaN above every number, so NaN must be excluded before the range test.
    invalid: sql<boolean>`(${v} is not null and ${v} <> 'NaN'::real and not (${v} >= ${min} and ${v} < ${max}))`,
    off: floatReading.off,
  };
}

/** A float sensor whose `0` means "missing" (treated as off: the reading is not a value). */
export function sensorReading(zeroIsMissing: boolean): ReadingClass {
  return {
    invalid: floatReading.invalid,
    off: zeroIsMissing ? sql<boolean>`(${v} is null or ${v} = 'NaN'::real or ${v} = 0)` : floatReading.off,
  };
}

/** String roles (MTConnect execution, program): NULL, empty and UNAVAILABLE are off; any other string is valid. */
export const stringReading: ReadingClass = {
  invalid: sql<boolean>`false`,
  off: sql<boolean>`(${v} is null or btrim(${v}) in ('', 'UNAVAILABLE'))`,
};
