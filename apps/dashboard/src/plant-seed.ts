import { type Machine, machinesFileSchema, resolveMachines } from '@mm/config';
import type { AggDatabase } from '@mm/db';
import { etlIds, recordDataSpans } from '@mm/etl';
import { type Kysely, sql } from 'kysely';

// A plant of many machines written straight into an aggregation database with set-based SQL (one
// statement per table, whatever the number of machines): the plant and pipeline views read only
// aggregates, the run ledger and the recorded data spans, never a raw database, so none is created.
// Each machine's situation follows from its index, so a test can compute what the page must show.

const zones = ['Europe/Madrid', 'UTC', 'America/New_York', 'Asia/Tokyo'] as const;

/** What machine `i` of a seeded plant is like (the seed writes exactly this). */
export interface SeededMachine {
  id: string;
  name: string;
  timezone: string;
  profile: 'logger' | 'mtconnect';
  /** Nothing aggregated and no ledger row. */
  noData: boolean;
  /** The planner's record: readings (`recorded`), none (`no_readings`), or no record at all. */
  span: 'recorded' | 'no_readings' | 'unknown';
  /** The latest day's energy ETL failed. */
  failed: boolean;
  /** The latest day is partial and was last refreshed 3 h before `now`. */
  stale: boolean;
  /** Critical (error) alarm activations on the latest day. */
  critical: number;
  /** Running seconds of each day: `runningShare` of the day. */
  runningShare: number;
}

/**
 * Machine `i` of a seeded plant.
 *
 * @example
 * seededMachine(7).failed; // true
 */
export function seededMachine(i: number): SeededMachine {
  const noData = i % 67 === 5;
  return {
    id: `m-${String(i).padStart(4, '0')}`,
    name: `${i % 3 === 0 ? 'Press' : i % 3 === 1 ? 'Lathe' : 'Mill'} ${i}`,
    timezone: zones[i % zones.length] as string,
    profile: i % 5 === 4 ? 'mtconnect' : 'logger',
    noData,
    span: noData ? (i % 2 === 1 ? 'no_readings' : 'unknown') : 'recorded',
    failed: !noData && i % 50 === 7,
    stale: !noData && i % 40 === 3,
    critical: !noData && i % 10 === 1 ? 1 + (i % 3) : 0,
    runningShare: (i % 20) / 20,
  };
}

/**
 * The machines of a plant of `count`, resolved through the real machines-file schema (their raw
 * database URLs are never opened).
 *
 * @example
 * const machines = plantMachines(200);
 */
export function plantMachines(count: number): Machine[] {
  return resolveMachines(
    machinesFileSchema.parse({
      machines: Array.from({ length: count }, (_, i) => {
        const m = seededMachine(i);
        return {
          id: m.id,
          name: m.name,
          rawDatabaseUrl: `postgres://mm_reader@127.0.0.1:1/plant_raw_${i % 10}`,
          timezone: m.timezone,
          profile: m.profile,
          ...(m.profile === 'mtconnect' ? { signals: { motors: [{ variable: 'Sload', ratedKw: 11 }] } } : {}),
        };
      }),
    }),
  );
}

export interface SeedPlantOptions {
  count: number;
  /** The last day of data of every machine (its "today"), `YYYY-MM-DD`. */
  lastDay: string;
  /** Days of data per machine, ending on `lastDay`. */
  days: number;
  /** The instant the ledger's ages are measured from: some hours into `lastDay`. */
  now: Date;
}

/**
 * Writes every aggregate, the run ledger and the data spans of a plant of `count` machines
 * ({@link seededMachine}), `days` days each ending on `lastDay`: hourly temperature and energy,
 * daily activity, programs and alarm counts, critical alarm details, five ledger rows per day (the
 * last day partial; failed or stale where the machine says so), one statement per table.
 *
 * @example
 * await seedPlant(agg.db, { count: 200, lastDay: '2024-11-20', days: 14, now: new Date('2024-11-20T12:00:00Z') });
 */
export async function seedPlant(db: Kysely<AggDatabase>, options: SeedPlantOptions): Promise<void> {
  const all = Array.from({ length: options.count }, (_, i) => seededMachine(i));
  const machines = all.filter((m) => !m.noData);
  const cols = {
    ids: machines.map((m) => m.id),
    zones: machines.map((m) => m.timezone),
    shares: machines.map((m) => m.runningShare),
    critical: machines.map((m) => m.critical),
    failed: machines.map((m) => m.failed),
    stale: machines.map((m) => m.stale),
  };
  const now = options.now.toISOString();
  // Every (machine, day) with the day's bounds in the machine's zone; the last day ends at `now`.
  const days = sql`
    select m.id, m.zone, m.share, m.critical, m.failed, m.stale, d.day::date as day,
           (d.day::timestamp at time zone m.zone) as day_start,
           least(((d.day + interval '1 day')::timestamp at time zone m.zone), ${now}::timestamptz) as known_end,
           extract(epoch from ((d.day + interval '1 day')::timestamp at time zone m.zone)
                              - (d.day::timestamp at time zone m.zone)) as day_seconds,
           d.day = ${options.lastDay}::date as is_last
    from unnest(${cols.ids}::text[], ${cols.zones}::text[], ${cols.shares}::float8[], ${cols.critical}::int[],
                ${cols.failed}::bool[], ${cols.stale}::bool[]) as m(id, zone, share, critical, failed, stale)
    cross join generate_series(${options.lastDay}::date - ${options.days - 1}::int, ${options.lastDay}::date, interval '1 day') as d(day)`;
  const hours = sql`
    select md.*, h as hour_ts, extract(epoch from h)::bigint as e
    from (${days}) md
    cross join generate_series(md.day_start, md.known_end - interval '1 hour', interval '1 hour') as h`;

  await sql`
    insert into agg_machine_activity_daily (machine_id, day, running_seconds, unplanned_down_seconds, planned_down_seconds, day_seconds)
    select id, day, known * share, known * (1 - share) / 3, known * (1 - share) * 2 / 3, day_seconds
    from (select *, extract(epoch from known_end - day_start) as known from (${days}) md) k`.execute(db);
  await sql`
    insert into energy_consumption_hourly (machine_id, hour_ts, day, energy_kwh)
    select id, hour_ts, day, round((5 + 20 * share + (e % 7))::numeric, 3)::float8 from (${hours}) h`.execute(
    db,
  );
  await sql`
    insert into agg_sensor_stats (machine_id, sensor_name, hour_ts, day, min_value, max_value, avg_value, std_dev, readings_count)
    select id, case when zone = 'Asia/Tokyo' then 'Stemp' else 'TEMPERATURA_BASE' end, hour_ts, day,
           20 + e % 5, 30 + e % 5, 25 + e % 5, 1.5, 60
    from (${hours}) h`.execute(db);
  await sql`
    insert into machine_program_data (machine_id, day, program, duration_seconds)
    select id, day, p::text, 600 * p from (${days}) md, generate_series(1, 3) as p`.execute(db);
  await sql`
    insert into alerts_daily_count (machine_id, day, alert_type, amount)
    select id, day, 'warning', 1 + extract(day from day)::int % 4 from (${days}) md
    union all
    select id, day, 'error', critical from (${days}) md where is_last and critical > 0`.execute(db);
  await sql`
    insert into alerts_detail (machine_id, id, day, alert_ts, alert_type, alarm_code, alarm_description, source_variable, raw)
    select md.id, (extract(epoch from md.day_start + n * interval '1 hour') * 1000)::bigint * 1000, md.day,
           md.day_start + n * interval '1 hour', 'error', 'E' || n, 'Spindle fault ' || n, 'ALARMS', '[]'
    from (${days}) md, generate_series(1, md.critical) as n
    where md.is_last`.execute(db);
  await sql`
    insert into etl_runs (machine_id, etl, day, status, complete, horizon, rows_read, invalid_skipped, rows_written,
                          warnings, error, attempts, started_at, finished_at)
    select md.id, e.etl, md.day,
           case when md.is_last and md.failed and e.etl = 'energy' then 'failed' else 'succeeded' end,
           not md.is_last, md.known_end, 1000, 0, 24, '[]',
           case when md.is_last and md.failed and e.etl = 'energy' then 'connect ECONNREFUSED 127.0.0.1:5432' end,
           1, f.finished - interval '20 seconds', f.finished
    from (${days}) md
    cross join unnest(${[...etlIds]}::text[]) as e(etl)
    cross join lateral (select case
      when not md.is_last then md.day_start + interval '1 day' + interval '10 minutes'
      when md.stale then ${now}::timestamptz - interval '3 hours'
      else ${now}::timestamptz - interval '10 minutes' end as finished) f`.execute(db);
  await recordDataSpans(
    db,
    all
      .filter((m) => m.span !== 'unknown')
      .map((m) => ({
        machineId: m.id,
        span:
          m.span === 'recorded'
            ? {
                // Noon UTC falls on the same calendar day in every zone of the plant.
                first: Date.parse(`${options.lastDay}T12:00:00Z`) - (options.days - 1) * 86_400_000,
                last: options.now.getTime() - 5 * 60_000,
              }
            : null,
        checkedAt: new Date(options.now.getTime() - 60_000),
      })),
  );
}
