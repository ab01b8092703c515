import { type Kysely, sql } from 'kysely';

// Frozen in time: never import app code here.
// Every aggregate slice is replaced in the same transaction as its `etl_runs` row, so a change of
// that row is a change of what the API may answer for the machine and day. A trigger on the ledger
// announces it on the `etl_slice_changed` channel as `<day> <machine_id>` (the day first: it has a
// fixed length, so any machine id parses), delivered to listeners only when the transaction commits,
// whichever process wrote it (runner, worker, CLI, a manual fix). TRUNCATE announces `*` (every
// machine, every day). API processes LISTEN to drop answers they keep in memory.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function etl_runs_notify_slice_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'TRUNCATE' then
        perform pg_notify('etl_slice_changed', '*');
        return null;
      end if;
      if tg_op in ('UPDATE', 'DELETE') then
        perform pg_notify('etl_slice_changed', to_char(old.day, 'YYYY-MM-DD') || ' ' || old.machine_id);
      end if;
      -- PostgreSQL folds an identical notification of the same transaction into one.
      if tg_op in ('INSERT', 'UPDATE') then
        perform pg_notify('etl_slice_changed', to_char(new.day, 'YYYY-MM-DD') || ' ' || new.machine_id);
      end if;
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger etl_runs_notify_slice_change
    after insert or update or delete on etl_runs
    for each row execute function etl_runs_notify_slice_change()`.execute(db);
  await sql`
    create trigger etl_runs_notify_truncate
    after truncate on etl_runs
    for each statement execute function etl_runs_notify_slice_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger etl_runs_notify_truncate on etl_runs`.execute(db);
  await sql`drop trigger etl_runs_notify_slice_change on etl_runs`.execute(db);
  await sql`drop function etl_runs_notify_slice_change()`.execute(db);
}
