import { createLogger } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { etlIds } from '@mm/etl';
import { createEtlQueues, createRedis, redisReady } from '@mm/queue';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { createWorkerMetrics, inProcessSlots, startEtlWorkers } from '@mm/worker';
import {
  deletePrefix,
  machinesFile,
  runInProcess,
  simulateMachine,
  snapshot,
  uniquePrefix,
  waitFor,
} from '@mm/worker/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { advisoryPlanLock, type PlanResult } from './plan.ts';
import { startScheduler } from './scheduler.ts';

// The scheduler against the test PostgreSQL and Redis, with ETL workers in this process (the worker
// processes have tests of their own): it plans from the ledger and the raw data alone.

const FROM = '2024-03-25';
const TO = '2024-03-28';
const SLICES = 4 * etlIds.length;
const logger = createLogger({ app: 'scheduler-test', level: 'silent' });

let raw: TestDatabase<RawDatabase>;
let reference: TestDatabase<AggDatabase>;
let admin: Redis;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  [raw, reference] = await Promise.all([createTestDatabase('raw'), createTestDatabase('agg')]);
  await simulateMachine(raw.db, FROM, 4);
  await runInProcess(reference.db, raw.db, machine(), FROM, TO);
  admin = createRedis(inject('redisUrl'), 'producer');
  await redisReady(admin);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await admin.quit();
  await Promise.all([raw.drop(), reference.drop()]);
});

function machine() {
  return machinesFile([{ id: 'press-07', rawDatabaseUrl: raw.url }]).machines[0]!;
}

/** An aggregation database, a prefix, in-process workers, and a way to start schedulers on them. */
async function deployment() {
  const agg = await createTestDatabase('agg');
  const prefix = uniquePrefix();
  const machines = [machine()];
  const connections: Redis[] = [];
  const redis = (role: 'worker' | 'producer') => {
    const connection = createRedis(inject('redisUrl'), role);
    connections.push(connection);
    return connection;
  };
  const producer = redis('producer');
  await redisReady(producer);
  const queues = createEtlQueues({ connection: producer, prefix });
  const workers = startEtlWorkers({
    connection: redis('worker'),
    prefix,
    concurrency: 2,
    stalledIntervalMs: 1000,
    aggDb: agg.db,
    rawDb: () => raw.db,
    machines: new Map(machines.map((m) => [m.id, m])),
    slots: inProcessSlots(2),
    metrics: createWorkerMetrics(),
    logger,
    lateDataLookbackDays: 7,
    slotRetryDelayMs: 200,
  });
  const plans: PlanResult[] = [];
  const schedulers: Array<{ close(): Promise<void> }> = [];
  const startOne = async (maxBacklog = 1000) => {
    const scheduler = await startScheduler({
      aggDb: agg.db,
      rawDb: () => raw.db,
      machines,
      etls: etlIds,
      queues,
      failedCooldownMs: 3_600_000,
      lateDataLookbackDays: 7,
      maxBacklog,
      logger,
      exclusive: advisoryPlanLock(agg.db, prefix),
      producer: redis('producer'),
      connection: redis('worker'),
      everySeconds: 1,
      onPlan: (result) => plans.push(result),
    });
    schedulers.push(scheduler);
  };
  cleanups.push(async () => {
    for (const s of schedulers) await s.close();
    await workers.drain(5_000);
    await queues.close();
    await deletePrefix(admin, prefix);
    for (const c of connections) c.disconnect();
    await agg.drop();
  });
  return { agg, prefix, plans, startOne };
}

async function ledger(agg: TestDatabase<AggDatabase>) {
  return agg.db
    .selectFrom('etl_runs')
    .select(['etl', 'day', 'status', 'complete', 'attempts'])
    .orderBy('day')
    .orderBy('etl')
    .execute();
}

const allSucceeded = async (agg: TestDatabase<AggDatabase>) => {
  const runs = await ledger(agg);
  return runs.length === SLICES && runs.every((r) => r.status === 'succeeded');
};

describe('two schedulers', () => {
  it('plan the backfill together without ever running a slice twice', async () => {
    const d = await deployment();
    await Promise.all([d.startOne(), d.startOne()]);
    await waitFor('every slice to succeed', () => allSucceeded(d.agg), 60_000);
    // A few more ticks of both: complete slices are never due again.
    const ticks = d.plans.length;
    await waitFor('three more plans', () => d.plans.length >= ticks + 3, 30_000);
    const runs = await ledger(d.agg);
    const complete = runs.filter((r) => r.complete);
    expect(complete.length).toBeGreaterThanOrEqual(3 * etlIds.length);
    expect(complete.every((r) => r.attempts === 1)).toBe(true);
    expect(await snapshot(d.agg.db)).toEqual(await snapshot(reference.db));
  });
});

describe('one scheduler', () => {
  let d: Awaited<ReturnType<typeof deployment>>;

  it('heals a Redis that lost everything in the middle of a backfill', { timeout: 90_000 }, async () => {
    d = await deployment();
    // A backlog of 3 per plan keeps the backfill going for several ticks.
    await d.startOne(3);
    await waitFor('a few slices to succeed', async () => {
      const done = (await ledger(d.agg)).filter((r) => r.status === 'succeeded').length;
      return done >= 3 && done < SLICES;
    });
    // Injected: every key of the deployment's prefix deleted (the Redis is shared: no FLUSHALL),
    // the job scheduler and the queued jobs with them.
    expect(await deletePrefix(admin, d.prefix)).toBeGreaterThan(0);
    await waitFor('every slice to succeed', () => allSucceeded(d.agg), 80_000);
    expect(await snapshot(d.agg.db)).toEqual(await snapshot(reference.db));
  });

  it('re-aggregates late raw rows of a completed day on its own', { timeout: 90_000 }, async () => {
    const [temperature] = await raw.db
      .selectFrom('variable')
      .select('id')
      .where('name', '=', 'TEMPERATURA_BASE')
      .execute();
    // Injected: readings that reach the raw database after 2024-03-27 was aggregated (odd
    // milliseconds, so they never collide with the simulator's).
    const late = [0, 1, 2].map((i) => ({
      id_var: temperature!.id,
      date: Date.parse(`2024-03-27T09:2${i}:00.123Z`),
      value: 21.5 + i,
    }));
    const aggregatedBefore = await snapshot(d.agg.db);
    await raw.db.insertInto('variable_log_float').values(late).execute();
    await runInProcess(reference.db, raw.db, machine(), '2024-03-27', '2024-03-27');

    const before = (await ledger(d.agg)).filter((r) => r.day === '2024-03-27');
    expect(before.every((r) => r.complete)).toBe(true);
    const expected = await snapshot(reference.db);
    await waitFor(
      'the late day to be re-aggregated',
      async () => {
        const runs = (await ledger(d.agg)).filter((r) => r.day === '2024-03-27');
        const rerun = runs.every((r, i) => r.status === 'succeeded' && r.attempts > before[i]!.attempts);
        return rerun && JSON.stringify(await snapshot(d.agg.db)) === JSON.stringify(expected);
      },
      60_000,
    );
    const after = await snapshot(d.agg.db);
    expect(after).toEqual(await snapshot(reference.db));
    expect(after.agg_sensor_stats).not.toEqual(aggregatedBefore.agg_sensor_stats);
  });
});
