import type { AggDatabase } from '@mm/db';
import { cellStatusSql, type StaleRules } from '@mm/etl';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { dayHours, dayShares, type FourStates } from '../aggregates/day-shares.ts';

/**
 * A machine's status in the plant, worst first (the "problems first" order):
 * - `failed`: the latest run of at least one of its slices (any day) failed;
 * - `stale`: none failed, but a slice is stale (a partial day not refreshed in time, or a run that
 *   never finished), as in the run-ledger grid;
 * - `alarm`: neither, but its latest day has emergency or error alarm activations;
 * - `no_data`: nothing aggregated yet (its data span says whether raw data exists);
 * - `ok`: none of these.
 */
export const machineStatuses = ['failed', 'stale', 'alarm', 'no_data', 'ok'] as const;
export type MachineStatus = (typeof machineStatuses)[number];

export const plantSorts = ['problems', 'config', 'id', 'name', 'running', 'data_age'] as const;
export type PlantSort = (typeof plantSorts)[number];

/** One machine of a plant page, as the summary statement ranks it. */
export interface PlantSummaryRow {
  machine_id: string;
  status: MachineStatus;
  failed_slices: number;
  failed_days: number;
  stale_slices: number;
  stale_days: number;
  critical_alerts: number;
  latest_day: string | null;
  first_reading: Date | null;
  last_reading: Date | null;
  checked_at: Date | null;
}

export interface PlantSummary {
  /** Candidates whose status passes the filter. */
  total: number;
  /** Candidates per status (before the status filter). */
  counts: Record<MachineStatus, number>;
  /** The requested page, in order. */
  rows: PlantSummaryRow[];
}

export interface PlantSummaryInput {
  /** The machines to rank (already filtered by text, zone and profile), with their configuration order. */
  candidates: ReadonlyArray<{ id: string; name: string; ord: number }>;
  statuses: readonly MachineStatus[] | null;
  sort: PlantSort;
  order: 'asc' | 'desc';
  page: number;
  pageSize: number;
  now: Date;
  rules: StaleRules;
}

// Tables with a (machine_id, day) index: the latest day with any aggregate is one backward index step
// in each, whatever the history's length.
const dayTables = [
  'agg_machine_activity_daily',
  'agg_sensor_stats',
  'energy_consumption_hourly',
  'alerts_daily_count',
  'machine_program_data',
] as const;

/**
 * Ranks the candidate machines and returns one page, in one statement over the aggregation
 * database whatever their number: per machine, its failed and stale slices over the whole ledger
 * (through the ledger's partial index of unfinished and partial slices), its latest aggregated day,
 * that day's critical alarm count, its recorded data span, hence its {@link MachineStatus}; then the
 * counts per status, the filter, the order and the page.
 *
 * @example
 * await plantSummary(aggDb, { candidates, statuses: null, sort: 'problems', order: 'asc', page: 1, pageSize: 50, now, rules });
 */
export async function plantSummary(db: Kysely<AggDatabase>, input: PlantSummaryInput): Promise<PlantSummary> {
  const empty = Object.fromEntries(machineStatuses.map((s) => [s, 0])) as Record<MachineStatus, number>;
  if (input.candidates.length === 0) return { total: 0, counts: empty, rows: [] };
  const ids = input.candidates.map((c) => c.id);
  const latestDay = sql.join(
    dayTables.map((t) => sql`(select max(day) from ${sql.table(t)} x where x.machine_id = m.id)`),
    sql`, `,
  );
  const statusFilter = input.statuses ? sql`where status = any(${[...input.statuses]}::text[])` : sql``;
  const { rows } = await sql<PlantSummaryRow & { total: number; counts: Record<string, number> }>`
    with m as (
      select * from unnest(${ids}::text[], ${input.candidates.map((c) => c.name)}::text[],
                           ${input.candidates.map((c) => c.ord)}::int[]) as m(id, name, ord)
    ),
    -- Once per machine (not once per use of the day in the joins below).
    latest as materialized (
      select m.id, greatest(${latestDay}) as day from m
    ),
    problems as (
      select r.machine_id,
             count(*) filter (where c.status = 'failed') as failed_slices,
             count(distinct r.day) filter (where c.status = 'failed') as failed_days,
             count(*) filter (where c.status = 'stale') as stale_slices,
             count(distinct r.day) filter (where c.status = 'stale') as stale_days
      from etl_runs r
      cross join lateral (select ${cellStatusSql('r', input.now, input.rules)} as status) c
      where r.machine_id = any(${ids}::text[]) and (r.status <> 'succeeded' or not r.complete)
      group by r.machine_id
    ),
    base as (
      select m.id as machine_id, m.name, m.ord, l.day as latest_day,
             coalesce(p.failed_slices, 0) as failed_slices, coalesce(p.failed_days, 0) as failed_days,
             coalesce(p.stale_slices, 0) as stale_slices, coalesce(p.stale_days, 0) as stale_days,
             coalesce(crit.n, 0) as critical_alerts,
             a.running_share,
             s.first_reading, s.last_reading, s.checked_at,
             case when p.failed_slices > 0 then 'failed'
                  when p.stale_slices > 0 then 'stale'
                  when crit.n > 0 then 'alarm'
                  when l.day is null then 'no_data'
                  else 'ok' end as status
      from m
      join latest l on l.id = m.id
      left join problems p on p.machine_id = m.id
      left join lateral (
        -- One row by its key; the limit keeps PostgreSQL from hashing the whole table instead.
        select running_seconds / day_seconds as running_share from agg_machine_activity_daily a
        where a.machine_id = m.id and a.day = l.day limit 1
      ) a on true
      left join lateral (
        select sum(amount) as n from alerts_daily_count c
        where c.machine_id = m.id and c.day = l.day and c.alert_type in ('emergency', 'error')
      ) crit on true
      left join machine_data_spans s on s.machine_id = m.id
    ),
    filtered as (select * from base ${statusFilter}),
    page as (
      select * from filtered
      order by ${orderBy(input.sort, input.order)}
      limit ${input.pageSize} offset ${(input.page - 1) * input.pageSize}
    )
    select t.total, c.counts, page.*
    from (select count(*) as total from filtered) t
    cross join (select coalesce(json_object_agg(status, n), '{}') as counts
                from (select status, count(*) as n from base group by status) per_status) c
    left join page on true
    order by ${orderBy(input.sort, input.order, 'page')}`.execute(db);

  const first = rows[0];
  const counts = { ...empty };
  for (const [status, n] of Object.entries(first?.counts ?? {})) {
    if (status in counts) counts[status as MachineStatus] = Number(n);
  }
  return {
    total: Number(first?.total ?? 0),
    counts,
    // The left join gives one row of nulls when the page is empty.
    rows: rows
      .filter((r) => r.machine_id !== null)
      .map((r) => ({
        machine_id: r.machine_id,
        status: r.status,
        failed_slices: r.failed_slices,
        failed_days: r.failed_days,
        stale_slices: r.stale_slices,
        stale_days: r.stale_days,
        critical_alerts: r.critical_alerts,
        latest_day: r.latest_day,
        first_reading: r.first_reading,
        last_reading: r.last_reading,
        checked_at: r.checked_at,
      })),
  };
}

/**
 * The order of a sort: its keys (`desc` reverses them; machines with no value for the key last either
 * way), then configuration order. Problems first: status (failed, stale, alarm, no data, ok), then the
 * days with failed or stale slices, then the critical alarms of the latest day, most first.
 */
function orderBy(sort: PlantSort, order: 'asc' | 'desc', table = ''): RawBuilder<unknown> {
  const col = (name: string) => (table ? sql.ref(`${table}.${name}`) : sql.ref(name));
  const dir = (asc: boolean) => sql.raw((order === 'asc') === asc ? 'asc' : 'desc');
  const rank = sql`array_position(${[...machineStatuses]}::text[], ${col('status')})`;
  const keys: RawBuilder<unknown>[] = {
    problems: [
      sql`${rank} ${dir(true)}`,
      sql`${col('failed_days')} + ${col('stale_days')} ${dir(false)}`,
      sql`${col('critical_alerts')} ${dir(false)}`,
    ],
    config: [sql`${col('ord')} ${dir(true)}`],
    id: [sql`${col('machine_id')} collate "C" ${dir(true)}`],
    name: [sql`lower(${col('name')}) collate "C" ${dir(true)}`],
    running: [sql`${col('running_share')} ${dir(true)} nulls last`],
    data_age: [sql`${col('last_reading')} ${dir(false)} nulls last`],
  }[sort];
  return sql.join([...keys, sql`${col('ord')} asc`], sql`, `);
}

/** The latest day of one machine of the page, as stored. */
export interface LatestDayRow {
  machine_id: string;
  day: string;
  running_seconds: number | null;
  unplanned_down_seconds: number | null;
  planned_down_seconds: number | null;
  day_seconds: number | null;
  shares: FourStates | null;
  hours: FourStates | null;
  energy_kwh: number | null;
  alerts: Record<string, number>;
  critical_ts: Date | null;
  critical_type: 'emergency' | 'error' | null;
  critical_code: string | null;
  critical_description: string | null;
  runs: Array<{
    etl: string;
    status: 'running' | 'succeeded' | 'failed';
    complete: boolean;
    started_at: string;
    finished_at: string | null;
    horizon: string | null;
  }>;
}

/**
 * The latest day of each machine of a page, in one statement: its activity (shares and hours rounded
 * to 2 decimals like v1's percentages), its energy, its alarm activations per severity and latest
 * critical one, and its ledger rows.
 *
 * @example
 * await latestDays(aggDb, [{ id: 'press-07', day: '2024-10-27' }]);
 */
export async function latestDays(
  db: Kysely<AggDatabase>,
  days: ReadonlyArray<{ id: string; day: string }>,
): Promise<Map<string, LatestDayRow>> {
  if (days.length === 0) return new Map();
  const { rows } = await sql<LatestDayRow>`
    select p.id as machine_id, p.day::text as day,
           a.running_seconds, a.unplanned_down_seconds, a.planned_down_seconds, a.day_seconds,
           case when a.machine_id is not null then ${dayShares('a')} end as shares,
           case when a.machine_id is not null then ${dayHours('a')} end as hours,
           (select sum(energy_kwh) from energy_consumption_hourly e
             where e.machine_id = p.id and e.day = p.day) as energy_kwh,
           (select coalesce(json_object_agg(alert_type, amount), '{}') from alerts_daily_count c
             where c.machine_id = p.id and c.day = p.day) as alerts,
           crit.alert_ts as critical_ts, crit.alert_type as critical_type,
           crit.alarm_code as critical_code, crit.alarm_description as critical_description,
           (select coalesce(json_agg(json_build_object(
                     'etl', r.etl, 'status', r.status, 'complete', r.complete,
                     'started_at', r.started_at, 'finished_at', r.finished_at, 'horizon', r.horizon)), '[]')
              from etl_runs r where r.machine_id = p.id and r.day = p.day) as runs
    from unnest(${days.map((d) => d.id)}::text[], ${days.map((d) => d.day)}::date[]) as p(id, day)
    left join agg_machine_activity_daily a on a.machine_id = p.id and a.day = p.day
    left join lateral (
      select alert_ts, alert_type, alarm_code, alarm_description from alerts_detail d
      where d.machine_id = p.id and d.day = p.day
      order by alert_ts desc, id desc limit 1
    ) crit on true`.execute(db);
  return new Map(rows.map((r) => [r.machine_id, r]));
}
