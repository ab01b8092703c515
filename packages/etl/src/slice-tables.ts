import type { AggDatabase } from '@mm/db';
import { type Insertable, type Selectable, sql, type Transaction } from 'kysely';

/** The aggregation database's tables that ETLs fill per (machine, day): all but the bookkeeping. */
type AggregateTable = Exclude<
  keyof AggDatabase,
  'etl_runs' | 'machine_data_spans' | 'raw_observations' | 'v_data_status'
>;

/** The columns an ETL writes into a table: the insertable ones but machine_id and day (the runner's). */
type WrittenColumn<T extends AggregateTable> = Exclude<
  keyof Insertable<AggDatabase[T]>,
  'machine_id' | 'day'
>;

/** An instant as an ETL computes it: epoch ms (or an ISO string); anything else as the table reads it. */
type Written<V> = V extends Date ? number | string : V;

type SqlType = 'text' | 'integer' | 'bigint' | 'double precision' | 'timestamptz' | 'jsonb';

/**
 * The aggregate tables that ETLs replace per (machine, day), with the SQL type of each column an
 * ETL writes (machine_id and day are added by the runner). Checked against `@mm/db`'s table types:
 * a table or column missing here, or one too many, does not compile.
 */
export const sliceTables = {
  agg_sensor_stats: {
    sensor_name: 'text',
    hour_ts: 'timestamptz',
    min_value: 'double precision',
    max_value: 'double precision',
    avg_value: 'double precision',
    std_dev: 'double precision',
    readings_count: 'integer',
  },
  agg_machine_activity_daily: {
    running_seconds: 'double precision',
    unplanned_down_seconds: 'double precision',
    planned_down_seconds: 'double precision',
    day_seconds: 'double precision',
  },
  machine_program_data: { program: 'text', duration_seconds: 'integer' },
  alerts_daily_count: { alert_type: 'text', amount: 'integer' },
  alerts_detail: {
    id: 'bigint',
    alert_ts: 'timestamptz',
    alert_type: 'text',
    alarm_code: 'text',
    alarm_description: 'text',
    source_variable: 'text',
    raw: 'jsonb',
  },
  energy_consumption_hourly: { hour_ts: 'timestamptz', energy_kwh: 'double precision' },
} as const satisfies { [T in AggregateTable]: { [C in WrittenColumn<T>]-?: SqlType } };

export type SliceTableName = keyof typeof sliceTables;

/**
 * A row of table `T` as an ETL produces it: every column the ETL writes, typed as `@mm/db` reads it,
 * timestamptz columns as epoch ms or ISO strings, jsonb columns as any JSON value.
 */
export type SliceRow<T extends SliceTableName> = {
  [C in WrittenColumn<T>]-?: Written<Selectable<AggDatabase[T]>[C & keyof Selectable<AggDatabase[T]>]>;
};

/** The rows of each table in `Tables`: what an ETL owning those tables returns for one slice. */
export type SliceRowsOf<Tables extends SliceTableName> = { [T in Tables]: SliceRow<T>[] };

/** The rows of any tables (the runner's view of an ETL, whatever it owns). */
export type SliceRows = { [T in SliceTableName]?: SliceRow<T>[] };

/**
 * Replaces the (machine, day) slice of one table with `rows` in one statement, inside the caller's
 * transaction: the delete runs as a CTE that the insert waits for (all rows travel as one jsonb
 * parameter). Returns the number of rows written.
 */
export async function replaceSlice<T extends SliceTableName>(
  trx: Transaction<AggDatabase>,
  table: T,
  machineId: string,
  day: string,
  rows: readonly SliceRow<T>[],
): Promise<number> {
  const remove = sql`delete from ${sql.table(table)} where machine_id = ${machineId} and day = ${day}::date`;
  if (rows.length === 0) {
    await remove.execute(trx);
    return 0;
  }
  const columns = Object.entries(sliceTables[table]);
  const names = sql.join(columns.map(([name]) => sql.ref(name)));
  const definitions = sql.join(columns.map(([name, type]) => sql`${sql.ref(name)} ${sql.raw(type)}`));
  const json = JSON.stringify(rows.map((row) => normaliseRow(table, row)));
  // A data-modifying CTE the main query does not read runs after it; reading its count first makes
  // the old rows gone before the new ones (same keys) go in.
  const result = await sql`
    with removed as (${remove} returning 1)
    insert into ${sql.table(table)} (machine_id, day, ${names})
    select ${machineId}, ${day}::date, ${names}
    from jsonb_to_recordset(${json}::jsonb) as incoming(${definitions})
    where (select count(*) from removed) >= 0`.execute(trx);
  return Number(result.numAffectedRows ?? rows.length);
}

// Epoch-ms instants become ISO strings for timestamptz columns; everything else passes through.
// Checked again at run time: rows built by JavaScript callers or casts get a clear error.
function normaliseRow(table: SliceTableName, row: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(sliceTables[table])) {
    const value = (row as Record<string, unknown>)[name];
    if (value === undefined) throw new Error(`${table}: row lacks column ${name}`);
    out[name] = type === 'timestamptz' && typeof value === 'number' ? new Date(value).toISOString() : value;
  }
  return out;
}
