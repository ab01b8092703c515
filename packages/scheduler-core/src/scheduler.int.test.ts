import { createLogger } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { etlIds } from '@mm/etl';
import { createEtlQueues, createRedis, redisReady } from '@mm/queue';
import {
  deletePrefix,
  machinesFile,
  runInProcess,
  simulateMachine,
  snapshot,
  uniquePrefix,
  waitFor,
} from '@mm/queue-testing';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { createWorkerMetrics, inProcessSlots, startEtlWorkers } from '@mm/worker-core';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { advisoryPlanLock, type PlanResult, planOnce } from './plan.ts';
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
    slotRetryDelayMs: 200,
  });
  const plans: PlanResult[] = [];
  const schedulers: Array<{ close(): Promise<void> }> = [];
  const startOne = async (maxBacklog = 1000, everySeconds = 1) => {
    const scheduler = await startScheduler({
      aggDb: agg.db,
      rawDb: () => raw.db,
      machines,
      etls: etlIds,
      queues,
      failedCooldownMs: 3_600_000,
      lateDataLookbackDays: 7,
      refreshMs: 0,
      rawConcurrency: 2,
      maxBacklog,
      logger,
      exclusive: advisoryPlanLock(agg.db, prefix),
      producer: redis('producer'),
      connection: redis('worker'),
      everySeconds,
      onPlan: (result) => plans.push(result),
    });
    schedulers.push(scheduler);
    return scheduler;
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
    // Every slice ran once, the last (partial) day included: its logger stopped, so its raw data
    // never changed and the refreshes (PARTIAL_REFRESH_SECONDS 0 here) found nothing to do.
    expect(runs.filter((r) => !r.complete).length).toBeGreaterThan(0);
    expect(runs.every((r) => r.attempts === 1)).toBe(true);
    expect(await snapshot(d.agg.db)).toEqual(await snapshot(reference.db));
  });
});

describe('a scheduler that starts', () => {
  it('plans at once, on a first start and on a restart, whatever PLAN_EVERY_SECONDS', async () => {
    const d = await deployment();
    const first = await d.startOne(1000, 3600);
    await waitFor('the plan of the first start', () => d.plans.length >= 1, 20_000);
    await first.close();
    // The deployment's job scheduler survived in Redis with its next tick an hour away.
    await d.startOne(1000, 3600);
    await waitFor('the plan of the restart', () => d.plans.length >= 2, 20_000);
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

  it('re-runs at the next plan a slice the ledger says is running while nobody runs it', async () => {
    // Injected: a completed slice set back to running, as when a worker's last attempt could not
    // record its failure (aggregation database down): no session holds its lock, its job is done.
    await sql`update etl_runs set status = 'running', finished_at = null, started_at = now()
      where etl = 'programs' and day = '2024-03-26'`.execute(d.agg.db);
    const [before] = (await ledger(d.agg)).filter((r) => r.etl === 'programs' && r.day === '2024-03-26');
    await waitFor(
      'the abandoned slice to run again',
      async () => {
        const [now] = (await ledger(d.agg)).filter((r) => r.etl === 'programs' && r.day === '2024-03-26');
        return now?.status === 'succeeded' && now.attempts === before!.attempts + 1;
      },
      30_000,
    );
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

describe('one plan', () => {
  it('queues never-run days before the refresh of a changed partial day, and nothing twice', async () => {
    const agg = await createTestDatabase('agg');
    const prefix = uniquePrefix();
    const producer = createRedis(inject('redisUrl'), 'producer');
    await redisReady(producer);
    const queues = createEtlQueues({ connection: producer, prefix });
    cleanups.push(async () => {
      await queues.close();
      await deletePrefix(admin, prefix);
      producer.disconnect();
      await agg.drop();
    });
    await runInProcess(agg.db, raw.db, machine(), FROM, TO);
    // Injected: the 25th and 26th never ran; the 28th (partial) ran before its horizon moved (and
    // before the raw database's modification counter it saw, so the plan must look).
    await sql`delete from etl_runs where day in ('2024-03-25', '2024-03-26')`.execute(agg.db);
    await sql`update etl_runs set horizon = horizon - interval '1 hour', raw_changes = null
      where day = ${TO}`.execute(agg.db);
    const plan = (maxBacklog: number) =>
      planOnce({
        aggDb: agg.db,
        rawDb: () => raw.db,
        machines: [machine()],
        etls: etlIds,
        queues,
        failedCooldownMs: 3_600_000,
        lateDataLookbackDays: 7,
        refreshMs: 0,
        rawConcurrency: 2,
        maxBacklog,
        logger,
        exclusive: advisoryPlanLock(agg.db, prefix),
      });
    const work = 2 * etlIds.length;
    const small = await plan(work);
    expect(small).toMatchObject({
      due: work + etlIds.length,
      byReason: { missing: work, partial: etlIds.length },
      enqueued: { added: work },
      deferred: etlIds.length,
    });
    const jobs = async () =>
      (await queues.queue.getJobs(['prioritized'], 0, -1, true)).map((j) => `${j.data.day} ${j.name}`);
    expect(new Set((await jobs()).map((j) => j.slice(0, 10)))).toEqual(new Set(['2024-03-26', '2024-03-25']));

    // A larger backlog takes the refresh too, behind the work in the queue's priority order.
    const large = await plan(1000);
    expect(large.enqueued).toEqual({ added: etlIds.length, requeued: 0, pending: work, active: 0 });
    const order = await jobs();
    expect(order).toHaveLength(work + etlIds.length);
    const byPriority = (await queues.queue.getJobs(['prioritized'], 0, -1, true))
      .sort((a, b) => (a.opts.priority ?? 0) - (b.opts.priority ?? 0))
      .map((j) => j.data.day);
    expect(byPriority).toEqual([
      ...Array(etlIds.length).fill('2024-03-26'),
      ...Array(etlIds.length).fill('2024-03-25'),
      ...Array(etlIds.length).fill(TO),
    ]);
    // Planned again while all of it waits: nothing is queued twice.
    const again = await plan(1000);
    expect(again.enqueued).toEqual({ added: 0, requeued: 0, pending: work + etlIds.length, active: 0 });
    expect(await queues.queue.getJobCounts('prioritized')).toEqual({ prioritized: work + etlIds.length });
  });
});
