import type { RawDatabase } from '@mm/db';
import { createRedis, redisReady } from '@mm/queue';
import {
  deletePrefix,
  machinesFile,
  simulateMachine,
  uniquePrefix,
  WorkerProcess,
  waitFor,
} from '@mm/queue-testing';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// The real scheduler process (apps/scheduler/src/main.ts) against the test PostgreSQL and Redis: its
// operations endpoints, its plan report, its raw connections and the connection-budget check.

let raw: TestDatabase<RawDatabase>;
let redis: Redis;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  raw = await createTestDatabase('raw');
  await simulateMachine(raw.db, '2024-03-25', 2);
  redis = createRedis(inject('redisUrl'), 'producer');
  await redisReady(redis);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  redis.disconnect();
  await raw.drop();
});

describe('the scheduler process', () => {
  it('plans at start, reports plan time in its log and /metrics, holds no raw connection between plans, and warns about max_connections', async () => {
    const agg = await createTestDatabase('agg');
    const prefix = uniquePrefix();
    // Sixty machines reading one raw database; a deployment shape no server could hold.
    const file = machinesFile(
      Array.from({ length: 60 }, (_, i) => ({ id: `press-${i}`, rawDatabaseUrl: raw.url })),
    );
    const scheduler = await WorkerProcess.start(
      {
        AGG_DATABASE_URL: agg.url,
        REDIS_URL: inject('redisUrl'),
        MACHINES_FILE: file.path,
        QUEUE_PREFIX: prefix,
        PLAN_EVERY_SECONDS: '3600',
        WORKER_REPLICAS: '1000',
        WORKER_CONCURRENCY: '64',
        MACHINE_MAX_JOBS: '64',
      },
      'scheduler',
    );
    cleanups.push(async () => {
      scheduler.kill('SIGKILL');
      await scheduler.exited;
      await deletePrefix(redis, prefix);
      await agg.drop();
    });
    const planned = await waitFor('the first plan', () => scheduler.lines('planned')[0], 60_000, 100);
    expect(planned).toMatchObject({ machines: 60, failedMachines: 0, due: 60 * 2 * 5 });
    expect(planned?.durationMs).toEqual(expect.any(Number));
    expect(planned?.perMachineMs).toBeCloseTo((planned?.durationMs as number) / 60, 1);
    expect(Object.keys(planned?.phasesMs as object).sort()).toEqual([
      'enqueue',
      'fingerprint',
      'ledger',
      'raw',
    ]);

    const warning = scheduler.logs.find((l) => String(l.msg).includes('allows'));
    expect(warning?.msg).toMatch(/raw server .* may open \d+ on it/);
    expect(JSON.stringify(scheduler.logs)).not.toContain(new URL(raw.url).password || 'never-a-password');

    const metrics = await scheduler.metrics();
    expect(metrics).toMatch(/^mm_scheduler_last_plan_seconds\{phase="total"\} [\d.e-]+$/m);
    expect(metrics).toMatch(/^mm_scheduler_last_plan_seconds_per_machine [\d.e-]+$/m);
    expect(metrics).toMatch(/^mm_scheduler_due_slices\{reason="missing"\} 600$/m);
    expect(metrics).toMatch(/^mm_scheduler_plans_total\{outcome="planned"\} 1$/m);

    // Between plans the scheduler holds no connection to the raw database.
    const admin = new pg.Client({ connectionString: raw.url });
    await admin.connect();
    try {
      const held = async () =>
        (
          await admin.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity where datname = $1 and application_name = 'mm-scheduler'`,
            [raw.name],
          )
        ).rows[0]?.n;
      // A closed connection's backend leaves pg_stat_activity a moment after the plan ended.
      await waitFor('the plan’s raw connections to close', async () => (await held()) === 0, 5_000, 100);
    } finally {
      await admin.end();
    }
    scheduler.kill('SIGTERM');
    expect(await scheduler.exited).toBe(0);
  });
});
