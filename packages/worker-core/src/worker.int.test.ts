import { createLogger } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { runEtls } from '@mm/etl';
import { createEtlQueues, createRedis, type EtlQueues, enqueue, redisReady, sliceJobId } from '@mm/queue';
import { deletePrefix, machinesFile, simulateMachine, uniquePrefix, waitFor } from '@mm/queue-testing';
import { createTestDatabase, gatedRawDb, holdAdvisoryLock, type TestDatabase } from '@mm/testing';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { inProcessSlots } from './machine-slots.ts';
import { type EtlWorkers, startEtlWorkers } from './start-workers.ts';
import { createWorkerMetrics, type WorkerMetrics } from './worker-metrics.ts';

// The slice processor when another run has the slice: a job whose slice's lock stays taken goes back
// to the queue (no attempt used) instead of waiting; a job overtaken by a newer run of its slice
// writes nothing and completes without retry. Workers run in this process on real Redis and
// PostgreSQL, each test under its own queue prefix.

const DAY = '2024-03-26';
let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let producer: Redis;
const { machines } = machinesFile([{ id: 'press-07', rawDatabaseUrl: 'postgres://unused' }]);
const machine = machines[0]!;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  await simulateMachine(raw.db, '2024-03-25', 2);
  producer = createRedis(inject('redisUrl'), 'producer');
  await redisReady(producer);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

afterAll(async () => {
  producer.disconnect();
  await Promise.all([agg.drop(), raw.drop()]);
});

/** Queues and an in-process worker under a fresh prefix; `rawDb` is what the worker reads the plant through. */
function deployment(rawDb: Kysely<RawDatabase>) {
  const prefix = uniquePrefix();
  const queues: EtlQueues = createEtlQueues({
    connection: producer,
    prefix,
    policy: {
      attempts: 3,
      backoffDelayMs: 200,
      keepCompletedSeconds: 3600,
      keepCompletedJobs: 100,
      keepFailedSeconds: 3600,
    },
  });
  const connection = createRedis(inject('redisUrl'), 'worker');
  const metrics: WorkerMetrics = createWorkerMetrics();
  const lines: Array<Record<string, unknown>> = [];
  const workers: EtlWorkers = startEtlWorkers({
    connection,
    prefix,
    concurrency: 1,
    stalledIntervalMs: 5_000,
    aggDb: agg.db,
    rawDb: () => rawDb,
    machines: new Map([[machine.id, machine]]),
    slots: inProcessSlots(2),
    metrics,
    logger: createLogger({
      app: 'test',
      level: 'info',
      destination: { write: (line: string) => lines.push(JSON.parse(line)) },
    }),
    slotRetryDelayMs: 100,
    busyRetryDelayMs: 300,
    sliceLockWaitMs: 200,
  });
  cleanups.push(async () => {
    await workers.drain(5_000);
    await queues.close();
    await deletePrefix(producer, prefix);
    connection.disconnect();
  });
  const counter = async (name: string) => {
    const text = await metrics.registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{etl="energy"}`));
    return Number(line?.split(' ').at(-1));
  };
  return { queues, lines, counter };
}

describe('the slice processor', () => {
  it('puts a job whose slice another session holds back in the queue without using an attempt, then runs it', async () => {
    const d = deployment(raw.db);
    // A session that keeps the slice's lock, as a vanished host's idle transaction does until the
    // server drops it.
    const holder = await holdAdvisoryLock(agg.url, `etl:${machine.id}:energy:${DAY}`);
    cleanups.push(() => holder.release());
    await enqueue(d.queues, [{ machine: machine.id, etl: 'energy', day: DAY }]);
    const job = await waitFor('the job to be put back', async () => {
      const found = await d.queues.queue.getJob(sliceJobId({ machine: machine.id, etl: 'energy', day: DAY }));
      return found && (await d.counter('mm_worker_slices_busy_total')) >= 1 ? found : undefined;
    });
    const state = await job.getState();
    expect(['delayed', 'waiting', 'active']).toContain(state);
    expect(await d.queues.queue.getFailedCount()).toBe(0);

    await holder.release();
    await waitFor('the job to complete', async () => (await job.getState()) === 'completed');
    const done = await d.queues.queue.getJob(job.id!);
    expect(done?.attemptsMade).toBe(1); // busy tries used none
    expect(done?.returnvalue).toMatchObject({ rowsWritten: expect.any(Number) });
    expect(done?.returnvalue.superseded).toBeUndefined();
    const run = await agg.db
      .selectFrom('etl_runs')
      .select(['status'])
      .where('etl', '=', 'energy')
      .executeTakeFirst();
    expect(run?.status).toBe('succeeded');
  });

  it('completes a job overtaken by a newer run of its slice without writing, and counts it', async () => {
    const gate = gatedRawDb(raw.url);
    cleanups.push(() => gate.close());
    const d = deployment(gate.db);
    const slice = { machine: machine.id, etl: 'energy', day: '2024-03-25' } as const;
    await enqueue(d.queues, [slice]);
    // The job started (its run token taken) and waits on the raw database, cut off.
    await waitFor('the job to start', async () => {
      const row = await agg.db
        .selectFrom('etl_runs')
        .select('status')
        .where('day', '=', slice.day)
        .executeTakeFirst();
      return row?.status === 'running';
    });
    // Meanwhile another run of the slice (a worker that took the job over) commits.
    const [newer] = await runEtls({
      aggDb: agg.db,
      rawDb: raw.db,
      machine,
      etls: ['energy'],
      day: slice.day,
    });
    expect(newer?.ok).toBe(true);
    const ledgerAfterNewer = await ledgerRow(slice.day);

    gate.open();
    const job = await waitFor('the overtaken job to end', async () => {
      const state = await (await d.queues.queue.getJob(sliceJobId(slice)))?.getState();
      // Read again once it has ended: a job read while still active has no return value yet.
      return state === 'completed' || state === 'failed'
        ? await d.queues.queue.getJob(sliceJobId(slice))
        : undefined;
    });
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue).toMatchObject({ superseded: true, rowsWritten: 0 });
    expect(job.attemptsMade).toBe(1);
    expect(await ledgerRow(slice.day)).toEqual(ledgerAfterNewer);
    expect(await d.counter('mm_worker_slices_superseded_total')).toBe(1);
    const warned = d.lines.filter((l) => l.msg === 'superseded: a newer run of this slice started elsewhere');
    expect(warned).toEqual([expect.objectContaining({ level: 40, etl: 'energy', jobId: job.id })]);
  });
});

async function ledgerRow(day: string) {
  return agg.db
    .selectFrom('etl_runs')
    .select(['status', 'run_token', 'finished_at', 'rows_written'])
    .where('etl', '=', 'energy')
    .where('day', '=', day)
    .executeTakeFirstOrThrow();
}
