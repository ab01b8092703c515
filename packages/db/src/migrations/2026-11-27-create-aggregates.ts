import { type Kysely, sql } from 'kysely';

// Frozen in time: never import app code here.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table agg_sensor_stats (
      machine_id text not null,
      sensor_name text not null,
      hour_ts timestamptz not null,
      day date not null,
      min_value double precision not null,
      max_value double precision not null,
      avg_value double precision not null,
      std_dev double precision,
      readings_count integer not null check (readings_count > 0),
      primary key (machine_id, sensor_name, hour_ts)
    )`.execute(db);
  await sql`create index agg_sensor_stats_day on agg_sensor_stats (machine_id, day)`.execute(db);

  await sql`
    create table agg_machine_activity_daily (
      machine_id text not null,
      day date not null,
      running_seconds double precision not null,
      unplanned_down_seconds double precision not null,
      planned_down_seconds double precision not null,
      day_seconds double precision not null check (day_seconds > 0),
      state_running numeric(8, 2) generated always as (round((running_seconds / 3600)::numeric, 2)) stored,
      state_unplanned_down numeric(8, 2) generated always as (round((unplanned_down_seconds / 3600)::numeric, 2)) stored,
      state_planned_down numeric(8, 2) generated always as (round((planned_down_seconds / 3600)::numeric, 2)) stored,
      day_hours numeric(8, 2) generated always as (round((day_seconds / 3600)::numeric, 2)) stored,
      running_percentage numeric(5, 2) generated always as (round((running_seconds / day_seconds * 100)::numeric, 2)) stored,
      down_percentage numeric(5, 2) generated always as (round((planned_down_seconds / day_seconds * 100)::numeric, 2)) stored,
      primary key (machine_id, day)
    )`.execute(db);

  await sql`
    create table machine_program_data (
      machine_id text not null,
      day date not null,
      program text not null,
      duration_seconds integer not null check (duration_seconds > 0),
      primary key (machine_id, day, program)
    )`.execute(db);

  await sql`
    create table alerts_daily_count (
      machine_id text not null,
      day date not null,
      alert_type text not null check (alert_type in ('emergency', 'error', 'warning', 'other')),
      amount integer not null check (amount > 0),
      primary key (machine_id, day, alert_type)
    )`.execute(db);

  await sql`
    create table alerts_detail (
      machine_id text not null,
      id bigint not null,
      day date not null,
      alert_ts timestamptz not null,
      alert_type text not null check (alert_type in ('emergency', 'error')),
      alarm_code text,
      alarm_description text,
      source_variable text not null,
      raw jsonb not null,
      primary key (machine_id, id)
    )`.execute(db);
  await sql`create index alerts_detail_day on alerts_detail (machine_id, day, alert_ts)`.execute(db);

  await sql`
    create table energy_consumption_hourly (
      machine_id text not null,
      hour_ts timestamptz not null,
      day date not null,
      energy_kwh double precision not null,
      primary key (machine_id, hour_ts)
    )`.execute(db);
  await sql`create index energy_consumption_hourly_day on energy_consumption_hourly (machine_id, day)`.execute(
    db,
  );

  await sql`
    create table etl_runs (
      machine_id text not null,
      etl text not null,
      day date not null,
      status text not null check (status in ('running', 'succeeded', 'failed')),
      complete boolean not null default false,
      horizon timestamptz,
      rows_read bigint not null default 0,
      invalid_skipped bigint not null default 0,
      rows_written integer not null default 0,
      warnings jsonb not null default '[]',
      error text,
      attempts integer not null default 1,
      started_at timestamptz not null,
      finished_at timestamptz,
      primary key (machine_id, etl, day)
    )`.execute(db);
  await sql`create index etl_runs_day on etl_runs (machine_id, day)`.execute(db);
  await sql`create index etl_runs_unfinished on etl_runs (machine_id, etl, day) where status <> 'succeeded' or not complete`.execute(
    db,
  );

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

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop view if exists v_data_status`.execute(db);
  for (const table of [
    'etl_runs',
    'energy_consumption_hourly',
    'alerts_detail',
    'alerts_daily_count',
    'machine_program_data',
    'agg_machine_activity_daily',
    'agg_sensor_stats',
  ]) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
