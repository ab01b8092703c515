import { type RawBuilder, sql } from 'kysely';

/**
 * A `timestamptz` column as the machine's wall-clock time, `YYYY-MM-DD HH:MM:SS.ffffff`, computed by
 * PostgreSQL (exact to the microsecond, independent of the session and process time zones). Pass the
 * result through `trimZeroFraction` to get docs/api.md's naive timestamp.
 *
 * @example
 * db.selectFrom('energy_consumption_hourly').select(naiveLocal('hour_ts', machine.timezone).as('hour_ts'))
 */
export function naiveLocal(column: string, zone: string): RawBuilder<string> {
  return sql<string>`to_char(${sql.ref(column)} at time zone ${zone}, 'YYYY-MM-DD HH24:MI:SS.US')`;
}
