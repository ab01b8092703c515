import { type Kysely, sql } from 'kysely';

// Frozen in time: never import app code here.
// etl_runs.run_token: the generation of the slice's current run. Starting a run increments it and
// the run keeps the value it got; the run may replace the slice and record its outcome only while
// the row still carries that value (checked under a row lock in the slice's own transaction). So a
// worker whose queue lock expired while it was cut off, and whose job another worker has started
// again since, can no longer write its older result over the newer one.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table etl_runs add column run_token bigint`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table etl_runs drop column run_token`.execute(db);
}
