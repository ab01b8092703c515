import type { AggDatabase, EtlRunStatus } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellStatusSql, classifyRun, defaultStaleRules, type StaleRules } from './due-slices.ts';

// The API's plant endpoint classifies every machine's ledger rows in SQL; the grid classifies a page of
// them with classifyRun. Both must say the same of every row: each kind of row, on both sides of each
// threshold and exactly on it, under two rule sets, with and without a plan's check of a partial day.

let agg: TestDatabase<AggDatabase>;
const now = new Date('2024-11-05T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const hour = 3_600_000;

const cases: Array<{
  status: EtlRunStatus;
  complete: boolean;
  started: string;
  finished: string | null;
  checked?: string;
}> = [];
for (const offset of [-1, 0, 1, 1000]) {
  for (const threshold of [hour, 2 * hour, 15 * 60_000]) {
    const at = ago(threshold + offset);
    cases.push({ status: 'running', complete: false, started: at, finished: null });
    cases.push({
      status: 'succeeded',
      complete: false,
      started: ago(threshold + offset + 60_000),
      finished: at,
    });
    cases.push({ status: 'succeeded', complete: false, started: at, finished: null });
    // A partial day run long ago whose raw data a plan found unchanged at `at`: fresh until then.
    cases.push({
      status: 'succeeded',
      complete: false,
      started: ago(10 * threshold),
      finished: ago(10 * threshold - 60_000),
      checked: at,
    });
    // A check older than the run does not make it older.
    cases.push({
      status: 'succeeded',
      complete: false,
      started: ago(threshold),
      finished: at,
      checked: ago(20 * threshold),
    });
    cases.push({ status: 'succeeded', complete: true, started: at, finished: at });
    cases.push({ status: 'failed', complete: false, started: at, finished: at });
  }
}

beforeAll(async () => {
  agg = await createTestDatabase('agg');
  // One slice per case: the same day under as many ETL names.
  await agg.db
    .insertInto('etl_runs')
    .values(
      cases.map((c, i) => ({
        machine_id: 'm',
        etl: `etl-${i}`,
        day: '2024-02-01',
        status: c.status,
        complete: c.complete,
        started_at: c.started,
        finished_at: c.finished,
        checked_at: c.checked ?? null,
        warnings: '[]',
        rows_read: 0,
        invalid_skipped: 0,
        rows_written: 0,
      })),
    )
    .execute();
});
afterAll(() => agg?.drop());

describe('cellStatusSql', () => {
  for (const [name, rules] of [
    ['default rules', defaultStaleRules],
    ['short rules', { partialAfterMs: 15 * 60_000, runningAfterMs: 2 * hour }],
  ] as Array<[string, StaleRules]>) {
    it(`classifies every ledger row as classifyRun does (${name})`, async () => {
      const rows = await sql<{
        status: EtlRunStatus;
        complete: boolean;
        started_at: Date;
        finished_at: Date | null;
        checked_at: Date | null;
        cls: string;
      }>`select r.status, r.complete, r.started_at, r.finished_at, r.checked_at, ${cellStatusSql('r', now, rules)} as cls
         from etl_runs r`.execute(agg.db);
      expect(rows.rows).toHaveLength(cases.length);
      const kinds = new Set<string>();
      for (const row of rows.rows) {
        expect(row.cls, JSON.stringify(row)).toBe(classifyRun(row, now, rules));
        kinds.add(row.cls);
      }
      // Every status a row can have was met.
      expect([...kinds].sort()).toEqual(['complete', 'failed', 'partial', 'running', 'stale']);
    });
  }
});
