import { type Kysely, sql } from 'kysely';

// Frozen in time: never import app code here.
// What the planner needs to plan a thousand machines cheaply and correctly:
// - etl_runs.carry_in / carry_out: a hash of the raw state carried into the day at its start and out of
//   it at its end (each variable's last reading before the instant), taken by runs of recent days. Day
//   D+1 was computed from the state D carries out; when a re-run of D records a different carry_out,
//   D+1 is planned again.
// - etl_runs.raw_changes: the raw database's modification counter as of the run's raw snapshot (or as
//   of the plan that last found the day's rows unchanged). While the counter stays the same, no row can
//   have arrived, and the planner need not fingerprint the day.
// - etl_runs.checked_at: when a plan last found the slice's raw data unchanged since its run. A partial
//   day is stale when neither a run nor a check happened for a while.
// - machine_data_spans.raw_changes: the counter when the span was read. While it stays the same the
//   span cannot have moved, and a plan reads nothing else of that machine's raw database.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table etl_runs
      add column carry_in text,
      add column carry_out text,
      add column raw_changes bigint,
      add column checked_at timestamptz`.execute(db);
  await sql`alter table machine_data_spans add column raw_changes bigint`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table machine_data_spans drop column raw_changes`.execute(db);
  await sql`
    alter table etl_runs
      drop column carry_in, drop column carry_out, drop column raw_changes, drop column checked_at`.execute(
    db,
  );
}
