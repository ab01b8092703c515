import { type Kysely, sql } from 'kysely';

// Frozen in time: never import app code here.
// DOMAIN §6: data status comes from the aggregate tables *and* the run ledger. The first version
// of v_data_status read only the aggregates; this one adds the ledger's view of each machine:
// when it last ran, and how many slices are failed, still running or partial. Machines that have
// ledger rows but no aggregate rows yet (every run failed) appear too.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop view if exists v_data_status`.execute(db);
  await sql`
    create view v_data_status as
    with aggregates as (
      select machine_id,
             min(first_day) as first_date,
             max(last_day) as last_date,
             coalesce(sum(n) filter (where kind = 'sensor'), 0)::bigint as sensor_records,
             coalesce(sum(n) filter (where kind = 'utilization'), 0)::bigint as utilization_records,
             coalesce(sum(n) filter (where kind = 'alert'), 0)::bigint as alert_records,
             coalesce(sum(n) filter (where kind = 'program'), 0)::bigint as program_records,
             coalesce(sum(n) filter (where kind = 'energy'), 0)::bigint as energy_records
      from (
        select machine_id, 'sensor' as kind, min(day) as first_day, max(day) as last_day, count(*) as n
          from agg_sensor_stats group by machine_id
        union all
        select machine_id, 'utilization', min(day), max(day), count(*) from agg_machine_activity_daily group by machine_id
        union all
        select machine_id, 'alert', min(day), max(day), count(*) from alerts_daily_count group by machine_id
        union all
        select machine_id, 'program', min(day), max(day), count(*) from machine_program_data group by machine_id
        union all
        select machine_id, 'energy', min(day), max(day), count(*) from energy_consumption_hourly group by machine_id
      ) per_table
      group by machine_id
    ),
    ledger as (
      select machine_id,
             max(finished_at) as last_run_at,
             count(*) filter (where status = 'failed')::bigint as failed_slices,
             count(*) filter (where status = 'running')::bigint as running_slices,
             count(*) filter (where status = 'succeeded' and not complete)::bigint as partial_slices
      from etl_runs
      group by machine_id
    )
    select coalesce(a.machine_id, l.machine_id) as machine_id,
           a.first_date, a.last_date,
           coalesce(a.sensor_records, 0)::bigint as sensor_records,
           coalesce(a.utilization_records, 0)::bigint as utilization_records,
           coalesce(a.alert_records, 0)::bigint as alert_records,
           coalesce(a.program_records, 0)::bigint as program_records,
           coalesce(a.energy_records, 0)::bigint as energy_records,
           l.last_run_at,
           coalesce(l.failed_slices, 0)::bigint as failed_slices,
           coalesce(l.running_slices, 0)::bigint as running_slices,
           coalesce(l.partial_slices, 0)::bigint as partial_slices
    from aggregates a
    full join ledger l on l.machine_id = a.machine_id`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // The previous migration's view, as it was.
  await sql`drop view if exists v_data_status`.execute(db);
  await sql`
    create view v_data_status as
    select machine_id,
           min(first_day) as first_date,
           max(last_day) as last_date,
           coalesce(sum(n) filter (where kind = 'sensor'), 0)::bigint as sensor_records,
           coalesce(sum(n) filter (where kind = 'utilization'), 0)::bigint as utilization_records,
           coalesce(sum(n) filter (where kind = 'alert'), 0)::bigint as alert_records,
           coalesce(sum(n) filter (where kind = 'program'), 0)::bigint as program_records,
           coalesce(sum(n) filter (where kind = 'energy'), 0)::bigint as energy_records
    from (
      select machine_id, 'sensor' as kind, min(day) as first_day, max(day) as last_day, count(*) as n
        from agg_sensor_stats group by machine_id
      union all
      select machine_id, 'utilization', min(day), max(day), count(*) from agg_machine_activity_daily group by machine_id
      union all
      select machine_id, 'alert', min(day), max(day), count(*) from alerts_daily_count group by machine_id
      union all
      select machine_id, 'program', min(day), max(day), count(*) from machine_program_data group by machine_id
      union all
      select machine_id, 'energy', min(day), max(day), count(*) from energy_consumption_hourly group by machine_id
    ) per_table
    group by machine_id`.execute(db);
}
