import { type Kysely, sql } from 'kysely';

// Frozen in time: never import app code here.
// What a run saw of one (machine, day) of raw data, kept for the next run of the same day: the day's
// raw row count and newest instant, and the hashes of the state carried across its midnights (the
// columns etl_runs records per slice). Every ETL of a day records the same observation; a queue runs
// them as separate jobs, and each job reuses the one its siblings took while the raw database's
// modification counter (`raw_changes`) is the one it was taken at, instead of counting the day's rows
// again. `basis` names the variables it covers (a changed machine profile covers others).

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table raw_observations (
      machine_id text not null,
      day date not null,
      raw_changes bigint not null,
      basis text not null,
      raw_rows bigint,
      raw_latest bigint,
      carry_in text,
      carry_out text,
      observed_at timestamptz not null default now(),
      primary key (machine_id, day)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table raw_observations`.execute(db);
}
