import { type Kysely, sql } from 'kysely';

// Frozen in time: never import app code here.
// Late raw data: rows that reach a raw database after their day was aggregated. A cheap fingerprint
// of the raw rows a run saw (how many rows fell in the day, and the newest row's instant), recorded
// in the same transaction as the slice, lets the scheduler spot a day whose raw rows changed since.
// Null where no fingerprint was taken (runs before this migration, days far behind the horizon).

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table etl_runs add column raw_rows bigint, add column raw_latest bigint`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table etl_runs drop column raw_rows, drop column raw_latest`.execute(db);
}
