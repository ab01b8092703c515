import type { AggDatabase, RawDatabase } from '@mm/db';
import { createRedis, enqueue, etlQueueName } from '@mm/queue';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testApp, testQueues } from '../testing/harness.ts';

// The queue gauges of /metrics, read from the test run's Redis under a prefix of this file's own.

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let queues: Awaited<ReturnType<typeof testQueues>>;

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  queues = await testQueues(inject('redisUrl'));
});
afterAll(async () => {
  await queues?.drop();
  await Promise.all([agg?.drop(), raw?.drop()]);
});

async function until(check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const gauge = (text: string, name: string, labels: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('/metrics queue gauges', () => {
  it('report waiting (prioritized included), active, delayed and failed jobs of the ETL queue and the oldest waiting job’s age', async () => {
    const { app } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url, deps: { queues } });
    const slice = (etl: 'energy' | 'alerts' | 'programs', day: string) => ({ machine: 'press-07', etl, day });

    // One alerts job fails for good, then one programs job stays active until released (one job at
    // a time, so the worker takes nothing else meanwhile).
    const connection = createRedis(inject('redisUrl'), 'worker');
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const worker = new Worker(
      etlQueueName,
      async (job) => {
        if (job.name === 'alerts') throw new UnrecoverableError('raw database gone');
        if (job.name === 'programs') return held;
        throw new Error(`this test never lets the worker take ${job.id}`);
      },
      { connection, prefix: queues.prefix, concurrency: 1 },
    );
    await enqueue(queues.etl, [slice('alerts', '2024-11-01'), slice('programs', '2024-11-01')]);
    await until(async () => (await queues.etl.queue.getFailedCount()) === 1);
    await until(async () => (await queues.etl.queue.getActiveCount()) === 1);

    const queuedAt = Date.now();
    await enqueue(queues.etl, [slice('energy', '2024-11-01'), slice('energy', '2024-11-02')]);
    await new Promise((r) => setTimeout(r, 1200));
    await enqueue(queues.etl, [slice('energy', '2024-11-03')], { priority: () => 7 });
    await queues.etl.queue.add('energy', slice('energy', '2024-11-04'), { jobId: 'later', delay: 3_600_000 });

    try {
      const res = await app.request('/metrics');
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('mm_queue_scrape_ok 1');
      expect(gauge(text, 'mm_queue_jobs', 'queue="etl",state="waiting"')).toBe(3);
      expect(gauge(text, 'mm_queue_jobs', 'queue="etl",state="delayed"')).toBe(1);
      expect(gauge(text, 'mm_queue_jobs', 'queue="etl",state="active"')).toBe(1);
      expect(gauge(text, 'mm_queue_jobs', 'queue="etl",state="failed"')).toBe(1);
      // The first two energy jobs were queued 1.2 s before the third: the oldest is theirs.
      const age = gauge(text, 'mm_queue_oldest_waiting_age_seconds', 'queue="etl"') ?? Number.NaN;
      expect(age).toBeGreaterThanOrEqual(1.2);
      expect(age).toBeLessThanOrEqual((Date.now() - queuedAt) / 1000 + 0.1);
    } finally {
      release();
      await worker.close();
      connection.disconnect();
    }
  });

  it('are absent, with mm_queue_scrape_ok 0, while Redis does not answer; the scrape still succeeds', async () => {
    const dead = await testQueues('redis://127.0.0.1:1', { awaitConnection: false });
    try {
      const { app } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url, deps: { queues: dead } });
      const started = Date.now();
      const res = await app.request('/metrics');
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1500);
      const text = await res.text();
      expect(text).toContain('mm_queue_scrape_ok 0');
      expect(text).not.toMatch(/^mm_queue_jobs\{/m);
      expect(text).toContain('mm_api_ledger_scrape_ok 1');
    } finally {
      await dead.close();
    }
  });

  it('are not registered when the API runs without Redis', async () => {
    const { app } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url });
    expect(await (await app.request('/metrics')).text()).not.toContain('mm_queue_');
  });
});
