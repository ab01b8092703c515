import type { Machine } from '@mm/config';
import { type AggDatabase, createDb, type RawDatabase } from '@mm/db';
import { createRedis, defaultSliceJobPolicy, enqueue } from '@mm/queue';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { createWorkerMetrics, type EtlWorkers, inProcessSlots, startEtlWorkers } from '@mm/worker-core';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { captureLogs, testApp, testMachines, testQueues } from '../testing/harness.ts';

// A day fails because its machine's raw database is unreachable; once it is back, retrying the failed
// job through Bull Board's own HTTP API makes the project's worker (the real processor and runner,
// in this process) run it again, and the run ledger records the success.

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let queues: Awaited<ReturnType<typeof testQueues>>;
let connection: Redis;
let workers: EtlWorkers;
const deadRaw = createDb<RawDatabase>('postgres://postgres@127.0.0.1:1/nowhere', { max: 1, readOnly: true });
let rawDb: Kysely<RawDatabase>;

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  // One attempt: a failure is final at once (the default retries with backoff for minutes).
  queues = await testQueues(inject('redisUrl'), { policy: { ...defaultSliceJobPolicy, attempts: 1 } });
  rawDb = deadRaw;
  connection = createRedis(inject('redisUrl'), 'worker');
  const machines = new Map<string, Machine>(testMachines(raw.url).map((m) => [m.id, m]));
  workers = startEtlWorkers({
    connection,
    prefix: queues.prefix,
    concurrency: 2,
    stalledIntervalMs: 30_000,
    aggDb: agg.db,
    rawDb: () => rawDb,
    machines,
    slots: inProcessSlots(2),
    metrics: createWorkerMetrics(),
    logger: captureLogs().logger,
    slotRetryDelayMs: 100,
  });
});
afterAll(async () => {
  await workers?.drain(5000);
  connection?.disconnect();
  await queues?.drop();
  await deadRaw.destroy();
  await Promise.all([agg?.drop(), raw?.drop()]);
});

const admin = { user: 'ops', password: 'Kestrel-Quarry-41' };
const auth = { Authorization: `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}` };

async function until(check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ledger = (etl: string, day: string) =>
  agg.db
    .selectFrom('etl_runs')
    .select(['status', 'attempts'])
    .where('machine_id', '=', 'press-07')
    .where('etl', '=', etl)
    .where('day', '=', day)
    .executeTakeFirst();

describe('retrying a failed job through Bull Board', () => {
  it('re-runs it on the worker once the raw database is back (one job, then all failed of the queue)', async () => {
    const { app } = testApp({
      aggDb: agg.db,
      rawDb: raw.db,
      rawUrl: raw.url,
      config: { admin },
      deps: { queues },
    });
    await enqueue(queues.etl, [
      { machine: 'press-07', etl: 'energy', day: '2024-11-01' },
      { machine: 'press-07', etl: 'alerts', day: '2024-11-01' },
      { machine: 'press-07', etl: 'alerts', day: '2024-11-02' },
    ]);
    await until(async () => (await queues.etl.queue.getFailedCount()) === 3);
    const failed = await queues.etl.queue.getJob('press-07__energy__2024-11-01');
    expect(failed?.failedReason).toBeTruthy();
    expect((await ledger('energy', '2024-11-01'))?.status).toBe('failed');

    // Bull Board shows the failed jobs: one queue, each job named after its ETL.
    const listed = await app.request('/admin/queues/api/queues?activeQueue=etl&status=failed&page=1', {
      headers: auth,
    });
    const board = (await listed.json()) as {
      queues: Array<{ name: string; counts: { failed: number }; jobs: Array<{ name: string }> }>;
    };
    const etlQueue = board.queues.find((q) => q.name === 'etl');
    expect(etlQueue?.counts.failed).toBe(3);
    expect(etlQueue?.jobs.map((j) => j.name).sort()).toEqual(['alerts', 'alerts', 'energy']);

    rawDb = raw.db; // the raw database is back

    const one = await app.request('/admin/queues/api/queues/etl/press-07__energy__2024-11-01/retry', {
      method: 'PUT',
      headers: auth,
    });
    expect(one.status).toBe(204);
    await until(async () => (await queues.etl.queue.getCompletedCount()) === 1);
    expect((await ledger('energy', '2024-11-01'))?.status).toBe('succeeded');

    const all = await app.request('/admin/queues/api/queues/etl/retry/failed', {
      method: 'PUT',
      headers: auth,
    });
    expect(all.status).toBe(200);
    expect(await all.json()).toEqual({ retried: 2, skipped: 0 });
    await until(async () => (await queues.etl.queue.getCompletedCount()) === 3);
    for (const day of ['2024-11-01', '2024-11-02'])
      expect((await ledger('alerts', day))?.status).toBe('succeeded');
    expect(await queues.etl.queue.getFailedCount()).toBe(0);
  });
});
