import type { AggDatabase } from '@mm/db';
import { sql, type Transaction } from 'kysely';

/**
 * The aggregate tables that ETLs replace per (machine, day), with the SQL type of each column an
 * ETL writes (machine_id and day are added by the runner).
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
} as const satisfies Record<string, Record<string, string>>;

export type SliceTableName = keyof typeof sliceTables;

/** A row of a slice table as an ETL produces it: timestamptz columns as epoch ms or ISO strings. */
export type SliceRow = Record<string, string | number | boolean | null | object>;
export type SliceRows = Partial<Record<SliceTableName, SliceRow[]>>;

/**
 * Replaces the (machine, day) slice of one table with `rows`: a delete and one set-based insert
 * (all rows travel as one jsonb parameter), inside the caller's transaction.
 * Returns the number of rows written.
 */
export async function replaceSlice(
  trx: Transaction<AggDatabase>,
  table: SliceTableName,
  machineId: string,
  day: string,
  rows: SliceRow[],
): Promise<number> {
  await sql`delete from ${sql.table(table)} where machine_id = ${machineId} and day = ${day}::date`.execute(
    trx,
  );
  if (rows.length === 0) return 0;
  const columns = Object.entries(sliceTables[table]);
  const names = sql.join(columns.map(([name]) => sql.ref(name)));
  const definitions = sql.join(columns.map(([name, type]) => sql`${sql.ref(name)} ${sql.raw(type)}`));
  const json = JSON.stringify(rows.map((row) => normaliseRow(table, row)));
  const result = await sql`
    insert into ${sql.table(table)} (machine_id, day, ${names})
    select ${machineId}, ${day}::date, ${names}
    from jsonb_to_recordset(${json}::jsonb) as incoming(${definitions})`.execute(trx);
  return Number(result.numAffectedRows ?? rows.length);
}

// Epoch-ms instants become ISO strings for timestamptz columns; everything else passes through.
function normaliseRow(table: SliceTableName, row: SliceRow): SliceRow {
  const out: SliceRow = {};
  for (const [name, type] of Object.entries(sliceTables[table])) {
    const value = row[name];
    if (value === undefined) throw new Error(`${table}: row lacks column ${name}`);
    out[name] = type === 'timestamptz' && typeof value === 'number' ? new Date(value).toISOString() : value;
  }
  return out;
}
