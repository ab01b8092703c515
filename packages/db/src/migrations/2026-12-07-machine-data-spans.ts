import { type Kysely, sql } from 'kysely';

// Frozen in time: never import app code here.
// Each machine's span of raw data (its first and latest reading), as the planner last read it from the
// machine's raw database. The API and the dashboard need it for every machine at once (which days are
// "no data" rather than "missing", how fresh a machine is); reading a thousand raw databases per request
// is not an option, so the planner, which reads the spans anyway, records them here. Null instants: the
// machine had no reading on any mapped variable when it was checked.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table machine_data_spans (
      machine_id text primary key,
      first_reading timestamptz,
      last_reading timestamptz,
      checked_at timestamptz not null,
      check ((first_reading is null) = (last_reading is null)),
      check (first_reading <= last_reading)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table machine_data_spans`.execute(db);
}
