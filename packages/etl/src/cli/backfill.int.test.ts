import type { Machine } from '@mm/config';
import { createDb, type RawDatabase } from '@mm/db';
import { sql } from 'kysely';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runEtls } from '../runner.ts';
import { testDatabases, testMachine } from '../test-fixtures.ts';
import { backfill, type DayOutcome } from './backfill.ts';
import { registeredEtls } from './cli.ts';
import { seedSmallPlant } from './small-plant.fixture.ts';

const machine = testMachine('logger');

const [agg, raw] = testDatabases('agg', 'raw');
const etls = registeredEtls();

beforeAll(async () => {
  await seedSmallPlant(raw.db);
});
beforeEach(async () => {
  await sql`truncate etl_runs, agg_sensor_stats`.execute(agg.db);
});

describe('backfill', () => {
  it('records the raw fingerprint on a full backfill only for days inside the late-data window', async () => {
    const summary = await backfill(
      {
        machines: [machine],
        etls: ['energy'],
        from: null,
        to: null,
        concurrency: 1,
        lateDataLookbackDays: 1,
      },
      { aggDb: agg.db, rawDb: () => raw.db },
    );
    expect(summary.failures).toEqual([]);
    // The latest reading is on the 12th: the 11th and 12th are checked for late rows, the 10th never.
    const { rows } = await sql<{ day: string; fingerprinted: boolean }>`
      select day::text, raw_rows is not null and carry_out is not null as fingerprinted from etl_runs order by day`.execute(
      agg.db,
    );
    expect(rows).toEqual([
      { day: '2024-01-10', fingerprinted: false },
      { day: '2024-01-11', fingerprinted: true },
      { day: '2024-01-12', fingerprinted: true },
    ]);
  });

  it('without dates runs every ETL on each day from the first to the last day with data', async () => {
    const days: DayOutcome[] = [];
    const summary = await backfill(
      { machines: [machine], etls, from: null, to: null, concurrency: 2 },
      {
        aggDb: agg.db,
        rawDb: () => raw.db,
        progress: { planned: () => {}, dayDone: (day) => days.push(day) },
      },
    );
    expect(summary.failures).toEqual([]);
    expect(summary).toMatchObject({
      machines: 1,
      days: 3,
      plannedDays: 3,
      slicesOk: 3 * etls.length,
      slicesFailed: 0,
      interrupted: false,
    });
    expect(summary.rowsRead).toBeGreaterThan(0);
    expect(days.map((d) => d.day).sort()).toEqual(['2024-01-10', '2024-01-11', '2024-01-12']);
    expect(days.every((d) => d.slices.map((s) => s.etl).join() === etls.join())).toBe(true);

    const ledger = await agg.db
      .selectFrom('etl_runs')
      .select(['etl', 'day', 'status'])
      .orderBy('day')
      .orderBy('etl')
      .execute();
    expect(ledger).toHaveLength(3 * etls.length);
    expect(ledger.every((r) => r.status === 'succeeded')).toBe(true);
    const stats = await agg.db
      .selectFrom('agg_sensor_stats')
      .select('day')
      .distinct()
      .orderBy('day')
      .execute();
    expect(stats.map((r) => r.day)).toEqual(['2024-01-10', '2024-01-11', '2024-01-12']);
  });

  it('a failed slice is listed and every other slice still runs', async () => {
    const summary = await backfill(
      { machines: [machine], etls: ['sensor-stats'], from: '2024-01-10', to: '2024-01-12', concurrency: 1 },
      {
        aggDb: agg.db,
        rawDb: () => raw.db,
        runEtls: (input) =>
          input.day === '2024-01-11'
            ? Promise.reject(new Error('outer', { cause: new Error('disk on fire') }))
            : runEtls(input),
      },
    );
    expect(summary).toMatchObject({ days: 3, slicesOk: 2, slicesFailed: 1 });
    expect(summary.failures).toEqual([
      { machineId: 'press-07', etl: 'sensor-stats', day: '2024-01-11', error: 'Error: disk on fire' },
    ]);
  });

  it('a machine whose raw database cannot be read fails alone, with the others running', async () => {
    const broken: Machine = { ...machine, id: 'ghost' };
    const missing = createDb<RawDatabase>(`${raw.url.replace(/\/[^/]*$/, '')}/mm_no_such_database`, {
      readOnly: true,
      max: 1,
    });
    try {
      const summary = await backfill(
        { machines: [broken, machine], etls: ['sensor-stats'], from: null, to: null, concurrency: 2 },
        { aggDb: agg.db, rawDb: (m) => (m.id === 'ghost' ? missing : raw.db) },
      );
      expect(summary).toMatchObject({ machines: 2, days: 3, slicesOk: 3, slicesFailed: 0 });
      expect(summary.failures).toHaveLength(1);
      expect(summary.failures[0]).toMatchObject({ machineId: 'ghost', etl: null, day: null });
      expect(summary.failures[0]!.error).toMatch(/mm_no_such_database/);
    } finally {
      await missing.destroy();
    }
  });

  it('runs no more than `concurrency` days at once, and stops starting days when aborted', async () => {
    let running = 0;
    let peak = 0;
    const abort = new AbortController();
    const summary = await backfill(
      { machines: [machine], etls: ['sensor-stats'], from: '2024-01-01', to: '2024-01-20', concurrency: 3 },
      {
        aggDb: agg.db,
        rawDb: () => raw.db,
        runEtls: async (input) => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          if (input.day === '2024-01-05') abort.abort();
          const result = {
            machineId: input.machine.id,
            etl: 'sensor-stats' as const,
            day: input.day,
            complete: true,
            horizon: null,
            rowsRead: 10,
            invalidSkipped: 0,
            rowsWritten: 1,
            warnings: ['same warning'],
            durationMs: 5,
          };
          return [{ etl: 'sensor-stats' as const, ok: true as const, result }];
        },
        signal: abort.signal,
      },
    );
    expect(peak).toBe(3);
    expect(summary.interrupted).toBe(true);
    expect(summary.plannedDays).toBe(20);
    expect(summary.days).toBeGreaterThanOrEqual(5);
    expect(summary.days).toBeLessThan(10);
    expect(summary.rowsRead).toBe(10 * summary.days);
    expect(summary.warnings).toEqual([{ message: 'same warning', slices: summary.days }]);
  });
});
