// The practical ceiling for the ETL benchmark: the five aggregates of a `logger`-profile machine as
// plain SQL, one statement per aggregate over the whole range (no per-day work, no carry-in
// lookups, no ledger), results into temp tables. Same rules as DOMAIN §5 where they cost the same
// work (interval semantics, clamping, hour and day cuts, horizon); alarm identity and word matching
// are simplified, which changes no cost.

import { dayWindow } from '@mm/calendar';
import type { Machine } from '@mm/config';
import { sql, type Transaction } from 'kysely';
import { resolveRoles } from '../src/roles.ts';
import type { SignalCatalog } from '../src/signal-catalog.ts';

const HOUR = 3_600_000;

export interface BaselineTiming {
  name: string;
  ms: number;
  rows: number;
}

/** Temp tables the baseline leaves behind (in its transaction) for the cross-check. */
export interface BaselineTotals {
  sensorHours: number;
  sensorReadings: number;
  runningSeconds: number;
  unplannedSeconds: number;
  programSeconds: number;
  alerts: Record<string, number>;
  energyHours: number;
  energyKwh: number;
}

/**
 * Runs the five statements in `trx` (which must be read-write, for the temp tables) and returns
 * their timings and the totals of what they computed.
 */
export async function runSqlBaseline(
  trx: Transaction<object>,
  machine: Machine,
  catalog: SignalCatalog,
  days: string[],
  horizon: number,
): Promise<{ timings: BaselineTiming[]; totals: BaselineTotals }> {
  const roles = resolveRoles(machine, catalog);
  const { state, program, temperature, alarms, motors } = roles;
  if (!state || !program || temperature.length !== 1 || !alarms || motors.length === 0)
    throw new Error(`the baseline needs every logger role; missing: ${roles.warnings.join('; ')}`);
  const windows = days.map((d) => dayWindow(d, machine.timezone));
  if (windows.some((w) => w.bounds.some((b) => b % HOUR !== 0)))
    throw new Error(`the baseline assumes whole-hour UTC offsets, not ${machine.timezone}`);
  const until = sql`${Math.min(horizon, windows.at(-1)!.end)}::bigint`;
  const notInfinite = sql`value not in ('Infinity'::real, '-Infinity'::real)`;

  await sql`set local jit = off`.execute(trx);
  await sql`
    create temp table b_days on commit drop as
    select * from unnest(${days}::date[], ${windows.map((w) => w.start)}::bigint[],
                         ${windows.map((w) => w.end)}::bigint[]) as d(day, s, e)`.execute(trx);
  await sql`
    create or replace function pg_temp.try_jsonb(t text) returns jsonb language plpgsql immutable as $$
    begin return t::jsonb; exception when others then return null; end $$`.execute(trx);

  const timings: BaselineTiming[] = [];
  const time = async (name: string, statement: ReturnType<typeof sql>) => {
    const started = performance.now();
    const result = await statement.execute(trx);
    timings.push({ name, ms: performance.now() - started, rows: Number(result.numAffectedRows ?? 0) });
  };

  const sensor = temperature[0]!;
  await time(
    'sensor-stats',
    sql`
    create temp table b_sensor_stats on commit drop as
    select date - date % ${HOUR} as hour_ms, min(x) as min_value, max(x) as max_value, avg(x) as avg_value,
           stddev_samp(x) as std_dev, count(*)::int as readings_count
    from variable_log_float
    cross join lateral (select value::float8 * ${sensor.sensor.scale}::float8 as x) as scaled
    where id_var = ${sensor.variable.id} and ${notInfinite} and value <> 'NaN'::real
      ${sensor.sensor.zeroIsMissing ? sql`and value <> 0` : sql``}
    group by 1`,
  );

  // Interval semantics over the whole range: one lead() per variable, each interval cut at the
  // (local) day boundaries it crosses.
  const dayCut = (table: string, value: ReturnType<typeof sql>, where: ReturnType<typeof sql>) => sql`
    create temp table ${sql.table(table)} on commit drop as
    with readings as (
      select date, value, lead(date) over (order by date) as next
      from variable_log_float where ${where}
    ),
    intervals as (
      select date as s, least(coalesce(next, ${until}), ${until}) as e, value
      from readings where date < ${until}
    )
    select d.day, ${value} as v, sum(least(i.e, d.e) - greatest(i.s, d.s))::float8 as ms
    from intervals as i
    join b_days as d on i.s < d.e and i.e > d.s
    where i.value is not null and i.value <> 'NaN'::real
    group by 1, 2`;
  await time(
    'machine-activity',
    dayCut('b_activity', sql`i.value = 255`, sql`id_var = ${state.variable.id} and ${notInfinite}`),
  );
  await time(
    'programs',
    dayCut(
      'b_programs',
      sql`(sign(i.value::float8) * floor(abs(i.value::float8) + 0.5))::bigint`,
      sql`id_var = ${program.variable.id} and (value is null or value = 'NaN'::real
          or (value >= ${program.role.min} and value < ${program.role.max}))`,
    ),
  );

  const alarmIds = alarms.variables.map((v) => v.id);
  await time(
    'alerts',
    sql`
    create temp table b_alerts on commit drop as
    with snapshots as (
      select id_var, date,
             case when value is null or btrim(value) in ('', 'UNAVAILABLE') then '[]'::jsonb
                  else pg_temp.try_jsonb(value) end as snap
      from variable_log_string where id_var = any(${alarmIds}::int[])
    ),
    valid as (
      select id_var, date, snap, lag(snap) over (partition by id_var order by date) as prev
      from snapshots where jsonb_typeof(snap) = 'array'
    ),
    activations as (
      select v.date, el ->> 1 as description
      from valid as v cross join lateral jsonb_array_elements(v.snap) as el
      where case when jsonb_typeof(el) = 'array' then jsonb_array_length(el) >= 2 else false end
        and not coalesce(v.prev @> jsonb_build_array(el), false)
    )
    select d.day, case
             when description ~* '(^|[^[:alpha:]])emerg' then 'emergency'
             when description ~* '(^|[^[:alpha:]])(err|fallo|fault)' then 'error'
             when description ~* '(^|[^[:alpha:]])(alert|alarm|warn|aviso|atten|atenc)' then 'warning'
             else 'other' end as alert_type, a.date
    from activations as a join b_days as d on a.date >= d.s and a.date < d.e`,
  );

  // Energy: intervals inside one hour contribute directly; only those crossing an hour are cut.
  await time(
    'energy',
    sql`
    create temp table b_energy on commit drop as
    with motors as (
      select * from unnest(${motors.map((m) => m.variable.id)}::int[],
                           ${motors.map((m) => m.motor.ratedKw)}::float8[]) as m(id_var, rated_kw)
    ),
    readings as (
      select id_var, date, value, lead(date) over (partition by id_var order by date) as next
      from variable_log_float
      where id_var = any(${motors.map((m) => m.variable.id)}::int[]) and ${notInfinite}
    ),
    loads as (
      select r.date as s, least(coalesce(r.next, ${until}), ${until}) as e,
             not (r.value is null or r.value = 'NaN'::real) as valid,
             case when r.value is null or r.value = 'NaN'::real then 0::float8
                  else least(greatest(r.value::float8, 0), 100) / 100 * m.rated_kw end as kw
      from readings as r join motors as m using (id_var)
      where r.date < ${until}
    ),
    pieces as (
      select s - s % ${HOUR} as hour_ms, kw * (e - s) as kw_ms, valid
      from loads where s - s % ${HOUR} = (e - 1) - (e - 1) % ${HOUR}
      union all
      select h, kw * (least(e, h + ${HOUR}) - greatest(s, h)), valid
      from loads
      cross join lateral generate_series(s - s % ${HOUR}, (e - 1) - (e - 1) % ${HOUR}, ${HOUR}::bigint) as h
      where s - s % ${HOUR} <> (e - 1) - (e - 1) % ${HOUR}
    )
    select hour_ms, sum(kw_ms) / ${HOUR}::float8 as energy_kwh
    from pieces group by hour_ms having bool_or(valid)`,
  );

  const one = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(trx)).rows[0]!;
  const sensorTotals = await one(
    sql<{ hours: number; readings: number }>`
      select count(*)::int as hours, coalesce(sum(readings_count), 0)::bigint as readings from b_sensor_stats`,
  );
  const activity = await one(
    sql<{ running: number; unplanned: number }>`
      select coalesce(sum(ms) filter (where v), 0) / 1000 as running,
             coalesce(sum(ms) filter (where not v), 0) / 1000 as unplanned from b_activity`,
  );
  const programs = await one(
    sql<{ seconds: number }>`select coalesce(sum(ms), 0) / 1000 as seconds from b_programs`,
  );
  const alerts = await sql<{ alert_type: string; n: number }>`
    select alert_type, count(*)::int as n from b_alerts group by 1`.execute(trx);
  const energyTotals = await one(
    sql<{ hours: number; kwh: number }>`
      select count(*)::int as hours, coalesce(sum(energy_kwh), 0) as kwh from b_energy`,
  );
  return {
    timings,
    totals: {
      sensorHours: sensorTotals.hours,
      sensorReadings: Number(sensorTotals.readings),
      runningSeconds: activity.running,
      unplannedSeconds: activity.unplanned,
      programSeconds: programs.seconds,
      alerts: Object.fromEntries(alerts.rows.map((r) => [r.alert_type, r.n])),
      energyHours: energyTotals.hours,
      energyKwh: energyTotals.kwh,
    },
  };
}
