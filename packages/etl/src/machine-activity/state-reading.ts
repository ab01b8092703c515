import { type RawBuilder, sql } from 'kysely';
import { floatReading, stringReading } from '../readings.ts';

/** What a state reading says about the machine (DOMAIN §2), as the activity ETL counts it. */
export type MachineState = 'running' | 'idle' | 'off';

/**
 * SQL predicate over a non-off `value`: the profile's running values. A float signal compares
 * numerically as `real` (the column's type, so a configured 0.1 matches a logged 0.1); a string
 * signal compares trimmed text. Values of the other kind are converted (`'255'` -> 255, 255 -> '255').
 *
 * @example
 * runningPredicate(true, [255]); // (value = any('{255}'::real[]))
 */
export function runningPredicate(
  isFloat: boolean,
  runningValues: Array<number | string>,
): RawBuilder<boolean> {
  if (isFloat) {
    const numbers = runningValues
      .map((v) => (typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v)))
      .filter(Number.isFinite);
    return sql<boolean>`(value = any(${numbers}::real[]))`;
  }
  const strings = runningValues.map((v) => String(v).trim());
  return sql<boolean>`(btrim(value) = any(${strings}::text[]))`;
}

/**
 * SQL over a state log's `value`: `'running'`, `'idle'` or `'off'` exactly as the activity ETL
 * classifies it, or `null` for an invalid reading (±Infinity on a float signal), which the ETL skips
 * as if it had never been logged. For readers that show the state itself (the API's state changes),
 * so they and the daily aggregate never disagree on what a value means.
 *
 * @example
 * sql`select date, ${stateOfReading(true, [255])} as state from variable_log_float where id_var = 3`;
 */
export function stateOfReading(
  isFloat: boolean,
  runningValues: Array<number | string>,
): RawBuilder<MachineState | null> {
  const reading = isFloat ? floatReading : stringReading;
  return sql<MachineState | null>`(case when ${reading.invalid} then null when ${reading.off} then 'off'
    when ${runningPredicate(isFloat, runningValues)} then 'running' else 'idle' end)`;
}
