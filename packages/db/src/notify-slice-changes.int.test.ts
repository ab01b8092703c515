import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AggDatabase } from './types.ts';

// The ledger trigger of migration 2026-12-09: a committed change of an `etl_runs` row is announced on
// `etl_slice_changed` as `<day> <machine>`, once per transaction; a rolled-back one never is.

let agg: TestDatabase<AggDatabase>;
let listener: pg.Client;
const received: string[] = [];

beforeAll(async () => {
  agg = await createTestDatabase('agg');
  listener = new pg.Client({ connectionString: agg.url });
  await listener.connect();
  listener.on('notification', (n) => {
    if (n.channel === 'etl_slice_changed') received.push(n.payload ?? '');
  });
  await listener.query('listen etl_slice_changed');
});
afterAll(async () => {
  await listener?.end();
  await agg?.drop();
});

/** Everything announced up to now: a round trip on the listening session delivers what was committed before it. */
async function drain(): Promise<string[]> {
  await listener.query('select 1');
  return received.splice(0);
}

const run = (machine: string, etl: string, day: string) => sql`
  insert into etl_runs (machine_id, etl, day, status, started_at) values (${machine}, ${etl}, ${day}::date, 'running', now())
  on conflict (machine_id, etl, day) do update set status = 'running', started_at = now()`;

describe('etl_runs announces its changes', () => {
  it('once per committed (machine, day), never for a rolled-back transaction', async () => {
    await run('press 07', 'energy', '2024-10-27').execute(agg.db);
    expect(await drain()).toEqual(['2024-10-27 press 07']);

    await agg.db.transaction().execute(async (trx) => {
      await run('m1', 'energy', '2024-10-26').execute(trx);
      await run('m1', 'programs', '2024-10-26').execute(trx);
      await sql`update etl_runs set status = 'succeeded', finished_at = now() where machine_id = 'm1'`.execute(
        trx,
      );
      await run('m1', 'energy', '2024-10-27').execute(trx);
    });
    expect((await drain()).sort()).toEqual(['2024-10-26 m1', '2024-10-27 m1']);

    await agg.db
      .transaction()
      .execute(async (trx) => {
        await run('m2', 'energy', '2024-10-26').execute(trx);
        throw new Error('rolled back');
      })
      .catch(() => {});
    expect(await drain()).toEqual([]);

    await sql`delete from etl_runs where machine_id = 'm1' and day = '2024-10-26'`.execute(agg.db);
    expect(await drain()).toEqual(['2024-10-26 m1']);
    await sql`truncate etl_runs`.execute(agg.db);
    expect(await drain()).toEqual(['*']);
  });
});
