import type { AggDatabase, RawDatabase } from '@mm/db';
import { createEtlQueues, createRedis, defaultSliceJobPolicy, enqueue, redisReady } from '@mm/queue';
import { machinesFile, uniquePrefix, WorkerProcess, waitFor } from '@mm/queue-testing';
import {
  createTestDatabase,
  freePort,
  type PrivateRedis,
  startPrivateRedis,
  type TestDatabase,
} from '@mm/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// A worker and a scheduler (the real processes) on a Redis of this file's own, which is down when they
// start, or goes away under them: they wait for it (never exit), say so once at the start and once at
// the end of the outage (not at `error` level several times a second), and their /readyz follows
// Redis while /livez stays 200.

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let redisPort = 0;
let redis: PrivateRedis | null = null;
let env: Record<string, string>;
const running: WorkerProcess[] = [];

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  redisPort = await freePort();
  env = {
    AGG_DATABASE_URL: agg.url,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    MACHINES_FILE: machinesFile([{ id: 'press-07', rawDatabaseUrl: raw.url }]).path,
    QUEUE_PREFIX: uniquePrefix(),
  };
});

afterEach(async () => {
  for (const process of running.splice(0)) {
    process.kill('SIGKILL');
    await process.exited;
  }
  await redis?.kill();
  redis = null;
});

afterAll(async () => {
  await Promise.all([agg.drop(), raw.drop()]);
});

async function launchBoth(): Promise<WorkerProcess[]> {
  const both = await Promise.all([
    WorkerProcess.launch(env, 'worker'),
    WorkerProcess.launch(env, 'scheduler'),
  ]);
  running.push(...both);
  return both;
}

const startRedis = async () => {
  redis = await startPrivateRedis({ port: redisPort });
};

describe('worker and scheduler without Redis', () => {
  it('started while Redis is down, wait for it (live, not ready), then start when it answers', async () => {
    const processes = await launchBoth();
    for (const p of processes) {
      await waitFor(`${p.app} to say it waits`, () => p.lines('waiting for Redis').length > 0, 30_000, 100);
    }
    // Long enough for many reconnection attempts: still one line each, still running.
    await new Promise((r) => setTimeout(r, 2_000));
    for (const p of processes) {
      expect(p.child.exitCode, p.app).toBeNull();
      expect(p.lines('waiting for Redis'), p.app).toHaveLength(1);
      expect(await p.probe('/livez'), p.app).toBe(200);
      expect(await p.probe('/readyz'), p.app).toBe(503);
    }
    await startRedis();
    for (const p of processes) {
      await p.untilHealthy();
      expect(p.lines('Redis answers'), p.app).toHaveLength(1);
      expect(p.lines(`${p.app} started`), p.app).toHaveLength(1);
    }
  });

  it('log an outage once when it starts and once when it ends, and are not ready meanwhile', async () => {
    await startRedis();
    const processes = await launchBoth();
    for (const p of processes) await p.untilHealthy();
    await redis?.kill();
    for (const p of processes) {
      await waitFor(`${p.app} to notice`, async () => (await p.probe('/readyz')) === 503, 30_000, 100);
    }
    await new Promise((r) => setTimeout(r, 3_000));
    for (const p of processes) {
      expect(await p.probe('/livez'), p.app).toBe(200);
      expect(p.lines('Redis is unavailable: waiting for it'), p.app).toHaveLength(1);
      // Nothing at error level (50) or above: an outage is not a failure of this process.
      expect(
        p.logs.filter((l) => (l.level as number) >= 50).map((l) => l.msg),
        p.app,
      ).toEqual([]);
      // The reconnection attempts and every queue's errors of 3 s: folded into that one line.
      expect(p.logs.filter((l) => (l.level as number) >= 40).length, p.app).toBeLessThanOrEqual(3);
    }
    await startRedis();
    for (const p of processes) {
      await p.untilHealthy();
      await waitFor(
        `${p.app} to say it is over`,
        () => p.lines('Redis is available again').length > 0,
        30_000,
        100,
      );
      expect(p.child.exitCode, p.app).toBeNull();
    }
  });
});

describe('stopping during a Redis outage', () => {
  it('worker and scheduler still exit 0, the worker after its drain deadline, not waiting for Redis to close', async () => {
    await startRedis();
    const processes = await Promise.all([
      WorkerProcess.launch({ ...env, DRAIN_TIMEOUT_SECONDS: '2' }, 'worker'),
      WorkerProcess.launch(env, 'scheduler'),
    ]);
    running.push(...processes);
    for (const p of processes) await p.untilHealthy();
    await redis?.kill();
    for (const p of processes) {
      await waitFor(`${p.app} to notice`, async () => (await p.probe('/readyz')) === 503, 30_000, 100);
    }
    const stopped = performance.now();
    for (const p of processes) p.kill('SIGTERM');
    const codes = await Promise.all(
      processes.map((p) =>
        Promise.race([p.exited, new Promise((r) => setTimeout(() => r('still running after 20 s'), 20_000))]),
      ),
    );
    expect(codes).toEqual([0, 0]);
    expect(performance.now() - stopped).toBeLessThan(20_000);
    for (const p of processes) expect(p.lines('stopped'), p.app).toHaveLength(1);
  });
});

describe('a job whose Redis keys vanish while it runs (FLUSHALL)', () => {
  it('is one warning saying what happened, not an error', async () => {
    await startRedis();
    const producer = createRedis(`redis://127.0.0.1:${redisPort}`, 'producer');
    const queues = createEtlQueues({
      connection: producer,
      prefix: env.QUEUE_PREFIX as string,
      policy: defaultSliceJobPolicy,
    });
    const [admin, locker] = [new pg.Client(agg.url), new pg.Client(agg.url)];
    await Promise.all([admin.connect(), locker.connect(), redisReady(producer)]);
    try {
      // Injected: a lock on the energy table holds the job in the middle of its write.
      await locker.query('begin');
      await locker.query('lock table energy_consumption_hourly in access exclusive mode');
      const worker = await WorkerProcess.start(env, 'worker');
      running.push(worker);
      await enqueue(queues, [{ machine: 'press-07', etl: 'energy', day: '2024-03-25' }]);
      await waitFor('the job to block', async () => {
        const { rows } = await admin.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
           where datname = current_database() and application_name = 'mm-worker' and wait_event_type = 'Lock'`,
        );
        return (rows[0]?.n ?? 0) > 0;
      });
      await producer.flushall();
      await locker.query('rollback');
      await waitFor('the slice to be written', async () => {
        const { rows } = await admin.query<{ status: string }>(
          `select status from etl_runs where machine_id = 'press-07' and etl = 'energy' and day = '2024-03-25'`,
        );
        return rows[0]?.status === 'succeeded';
      });
      await waitFor('the worker to report it', () =>
        worker.logs.some((l) => /Redis keys are gone/.test(String(l.msg))),
      );
      // What BullMQ reports of it (the lost lock, then the lost job) is one line at warn level.
      expect(worker.logs.filter((l) => /Redis keys are gone/.test(String(l.msg)))).toHaveLength(1);
      expect(worker.logs.filter((l) => (l.level as number) >= 50).map((l) => l.msg)).toEqual([]);
    } finally {
      await locker.query('rollback').catch(() => {});
      await Promise.all([admin.end(), locker.end(), queues.close()]);
      producer.disconnect();
    }
  });
});
