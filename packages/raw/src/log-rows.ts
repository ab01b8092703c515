import type { LogTable, RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';

/** Rows of one raw log table, column by column (cheap to build and to send as arrays). */
export interface LogColumns<V> {
  ids: number[];
  dates: number[];
  values: V[];
}

export const emptyColumns = <V>(): LogColumns<V> => ({ ids: [], dates: [], values: [] });

// One statement per chunk: each column travels as one array parameter, so a chunk costs one
// round trip and one plan whatever its size; 20 k rows keeps a statement's text a few hundred kB.
const CHUNK = 20_000;

/**
 * Inserts log rows set-based (`insert … select from unnest(arrays)`), on PostgreSQL and PGlite alike.
 * Float values may be `NaN`, `±Infinity` or `null`; they travel as array text, which PostgreSQL
 * parses as `real`, so no value is lost on the way (it is still rounded to float4 by the column).
 *
 * @example
 * await insertLogRows(db, 'variable_log_float', { ids: [1, 1], dates: [0, 1000], values: [255, Number.NaN] });
 */
export async function insertLogRows(
  db: Kysely<RawDatabase>,
  table: LogTable,
  rows: LogColumns<number | string | null>,
): Promise<number> {
  const valueType = table === 'variable_log_float' ? sql`float4[]` : sql`text[]`;
  for (let from = 0; from < rows.ids.length; from += CHUNK) {
    const to = Math.min(from + CHUNK, rows.ids.length);
    const values = rows.values.slice(from, to);
    await sql`
      insert into ${sql.table(table)} (id_var, date, value)
      select * from unnest(
        ${rows.ids.slice(from, to)}::int4[],
        ${rows.dates.slice(from, to)}::int8[],
        ${table === 'variable_log_float' ? values.map(floatParam) : values}::${valueType})
    `.execute(db);
  }
  return rows.ids.length;
}

// Drivers serialise array elements with String(), which already spells NaN and ±Infinity the way
// PostgreSQL reads them; spelling them here keeps that true for any driver.
function floatParam(value: number | string | null): string | null {
  if (value === null) return null;
  if (typeof value !== 'number') throw new TypeError(`float log value must be a number, got ${typeof value}`);
  return String(value);
}
