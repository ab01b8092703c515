import type { AggDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';

/** What is aggregated for one machine: docs/api.md's `data_status` fields. */
export interface DataStatus {
  first_date: string | null;
  last_date: string | null;
  sensor_records: number;
  utilization_records: number;
  alert_records: number;
  program_records: number;
  energy_records: number;
}

/** A machine with nothing aggregated. */
export const emptyDataStatus: DataStatus = {
  first_date: null,
  last_date: null,
  sensor_records: 0,
  utilization_records: 0,
  alert_records: 0,
  program_records: 0,
  energy_records: 0,
};

// Each machine's rows of each aggregate table, read through the (machine_id, day) index that every one
// of them has: the cost is that machine's rows, never the whole table's (the v_data_status view groups
// every table entirely before a machine is picked, as its full join keeps PostgreSQL from pushing the
// machine filter down).
const tables = [
  ['sensor', 'agg_sensor_stats'],
  ['utilization', 'agg_machine_activity_daily'],
  ['alert', 'alerts_daily_count'],
  ['program', 'machine_program_data'],
  ['energy', 'energy_consumption_hourly'],
] as const;

/**
 * `data_status` of several machines in one statement: the first and last aggregated day over all
 * aggregate tables, and each table's row count. A machine with nothing aggregated gets
 * {@link emptyDataStatus}.
 *
 * @example
 * (await dataStatuses(aggDb, ['press-07'])).get('press-07')?.last_date; // '2024-10-27'
 */
export async function dataStatuses(
  db: Kysely<AggDatabase>,
  machineIds: readonly string[],
): Promise<Map<string, DataStatus>> {
  if (machineIds.length === 0) return new Map();
  const laterals = tables.map(
    ([kind, table]) =>
      sql`cross join lateral (select min(day) as first_day, max(day) as last_day, count(*) as n
        from ${sql.table(table)} t where t.machine_id = m.id) as ${sql.raw(kind)}`,
  );
  const kinds = tables.map(([kind]) => sql.raw(kind));
  const { rows } = await sql<DataStatus & { machine_id: string }>`
    select m.id as machine_id,
      least(${sql.join(
        kinds.map((k) => sql`${k}.first_day`),
        sql`, `,
      )}) as first_date,
      greatest(${sql.join(
        kinds.map((k) => sql`${k}.last_day`),
        sql`, `,
      )}) as last_date,
      ${sql.join(
        tables.map(([kind]) => sql`${sql.raw(kind)}.n as ${sql.raw(`${kind}_records`)}`),
        sql`, `,
      )}
    from unnest(${[...machineIds]}::text[]) as m(id)
    ${sql.join(laterals, sql` `)}`.execute(db);
  return new Map(rows.map(({ machine_id, ...status }) => [machine_id, status]));
}
