import { type AggDatabase, openDb, type RawDatabase } from '@mm/db';
import { Kysely, PostgresDialect, sql } from 'kysely';

/**
 * A raw database behind a gate: connecting waits until the test opens it (or fails it), as a run
 * whose host lost its network waits on its raw database.
 *
 * @example
 * const gate = gatedRawDb(raw.url);
 * const run = runEtls({ aggDb, rawDb: gate.db, machine, etls, day }); // waits
 * gate.open();
 */
export function gatedRawDb(url: string) {
  const { pool } = openDb<RawDatabase>(url, { readOnly: true, max: 2 });
  if (!pool) throw new Error('a gated raw database must be PostgreSQL');
  let open: () => void = () => {};
  let fail: (error: Error) => void = () => {};
  const gate = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  gate.catch(() => {});
  const db = new Kysely<RawDatabase>({
    dialect: new PostgresDialect({
      pool: {
        connect: async () => {
          await gate;
          return pool.connect();
        },
        end: () => pool.end(),
      },
    }),
  });
  return { db, open, fail, close: () => db.destroy() };
}

/**
 * Holds the transaction-scoped advisory lock `name` (as the runner names a slice's lock) in a session
 * of its own until released, as a vanished host's idle transaction holds it until the server drops it.
 *
 * @example
 * const holder = await holdAdvisoryLock(agg.url, `etl:${machine.id}:energy:${day}`);
 * await holder.release();
 */
export async function holdAdvisoryLock(url: string, name: string): Promise<{ release(): Promise<void> }> {
  const db = openDb<AggDatabase>(url, { max: 1 }).db;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked: () => void = () => {};
  const isLocked = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holding = db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${name}, 0))`.execute(trx);
    locked();
    await released;
  });
  await isLocked;
  let done: Promise<void> | undefined;
  return {
    release() {
      done ??= (async () => {
        release();
        await holding;
        await db.destroy();
      })();
      return done;
    },
  };
}
