import { createTestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from './create-db.ts';
import { migrateToLatest } from './migrate.ts';
import { migrations } from './migrations/index.ts';
import type { AggDatabase } from './types.ts';

async function exerciseSchema(db: ReturnType<typeof createDb<AggDatabase>>) {
  await db
    .insertInto('agg_machine_activity_daily')
    .values({
      machine_id: 'm1',
      day: '2024-03-31',
      running_seconds: 3 * 3600 + 18,
      unplanned_down_seconds: 3600,
      planned_down_seconds: 82800 - 4 * 3600 - 18,
      day_seconds: 82800,
    })
    .execute();
  return db.selectFrom('agg_machine_activity_daily').selectAll().executeTakeFirstOrThrow();
}

describe('migrations', () => {
  it('create every table on PostgreSQL, are idempotent, and compute the generated columns', async () => {
    const fresh = await createTestDatabase('raw'); // a database without the aggregation schema
    afterAll(() => fresh.drop());
    const db = fresh.db as unknown as ReturnType<typeof createDb<AggDatabase>>;
    expect((await migrateToLatest(db)).applied).toEqual([
      '2026-11-27-create-aggregates',
      '2026-11-27-data-status-ledger',
      '2026-12-03-ledger-raw-fingerprint',
      '2026-12-07-machine-data-spans',
      '2026-12-08-plan-checks',
      '2026-12-09-notify-slice-changes',
      '2026-12-10-ledger-run-token',
    ]);
    expect((await migrateToLatest(db)).applied).toEqual([]);
    const row = await exerciseSchema(db);
    expect(row.day).toBe('2024-03-31');
    expect(row.state_running).toBe(3.01);
    expect(row.day_hours).toBe(23);
    expect(row.running_percentage).toBe(13.07); // 10818 / 82800 = 13.065 -> 13.07
    expect(row.down_percentage).toBe(82.59); // 68382 / 82800 = 82.587
    const status = await db.selectFrom('v_data_status').selectAll().execute();
    expect(status).toEqual([
      expect.objectContaining({
        machine_id: 'm1',
        first_date: '2024-03-31',
        utilization_records: 1,
        sensor_records: 0,
      }),
    ]);
  });

  it('run on PGlite with the same results', async () => {
    const db = createDb<AggDatabase>('pglite:memory');
    try {
      expect((await migrateToLatest(db)).applied).toEqual(Object.keys(migrations));
      expect((await migrateToLatest(db)).applied).toEqual([]);
      const row = await exerciseSchema(db);
      expect(row).toMatchObject({
        day: '2024-03-31',
        state_running: 3.01,
        running_percentage: 13.07,
        down_percentage: 82.59,
      });
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from v_data_status`.execute(db);
      expect(rows[0]?.n).toBe(1);
    } finally {
      await db.destroy();
    }
  });
});
