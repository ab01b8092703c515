import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enqueue } from './enqueue.ts';
import { createEtlQueues, type EtlQueues } from './etl-queues.ts';
import { createRedis, redisReady } from './redis-connection.ts';
import type { SliceJob } from './slice-job.ts';

const prefix = `mm_t_${randomBytes(4).toString('hex')}`;
let producer: Redis;
let workerConnection: Redis;
let queues: EtlQueues;

beforeAll(async () => {
  producer = createRedis(inject('redisUrl'), 'producer');
  workerConnection = createRedis(inject('redisUrl'), 'worker');
  await redisReady(producer);
  queues = createEtlQueues({ connection: producer, prefix });
});

afterAll(async () => {
  await queues.close();
  // Only this file's keys: the Redis is shared.
  for (const key of await producer.keys(`${prefix}:*`)) await producer.del(key);
  await producer.quit();
  await workerConnection.quit();
});

const slice = (day: string): SliceJob => ({ machine: 'press-07', etl: 'programs', day });

/** Runs the programs queue's jobs with `processor` until `count` jobs finished. */
async function drain(count: number, processor: (job: SliceJob) => Promise<void>): Promise<string[]> {
  const order: string[] = [];
  let finished = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const worker = new Worker<SliceJob>(
    'programs',
    async (job) => {
      order.push(job.data.day);
      await processor(job.data);
    },
    { connection: workerConnection, prefix, autorun: false },
  );
  const onFinished = () => {
    if (++finished === count) done();
  };
  worker.on('completed', onFinished);
  worker.on('failed', onFinished);
  void worker.run();
  await all;
  await worker.close();
  return order;
}

describe('enqueue', () => {
  it('queues each slice once, newest day first', async () => {
    const first = await enqueue(queues, [slice('2026-01-01'), slice('2026-01-03'), slice('2026-01-02')]);
    expect(first.map((r) => [r.jobId, r.outcome])).toEqual([
      ['press-07__programs__2026-01-01', 'added'],
      ['press-07__programs__2026-01-02', 'added'],
      ['press-07__programs__2026-01-03', 'added'],
    ]);
    const again = await enqueue(queues, [slice('2026-01-02')]);
    expect(again[0]?.outcome).toBe('pending');
    expect(await queues.queue('programs').getJobCounts('wait')).toEqual({ wait: 3 });
    expect(await drain(3, async () => {})).toEqual(['2026-01-03', '2026-01-02', '2026-01-01']);
  });

  it('adds nothing for a completed day without force, and re-runs it with force', async () => {
    const plain = await enqueue(queues, [slice('2026-01-02')]);
    expect(plain[0]?.outcome).toBe('pending');
    expect(await queues.queue('programs').getJobCounts('wait')).toEqual({ wait: 0 });

    const forced = await enqueue(queues, [slice('2026-01-02')], { force: true });
    expect(forced[0]?.outcome).toBe('requeued');
    expect(await drain(1, async () => {})).toEqual(['2026-01-02']);
  });

  it('re-runs a failed day with force and a fresh set of attempts', async () => {
    await enqueue(queues, [slice('2026-02-01')]);
    await queues.queue('programs').getJob('press-07__programs__2026-02-01');
    await drain(1, async () => {
      throw new UnrecoverableError('machine unknown');
    });
    const failed = await queues.queue('programs').getJob('press-07__programs__2026-02-01');
    expect(await failed?.getState()).toBe('failed');
    const forced = await enqueue(queues, [slice('2026-02-01')], { force: true });
    expect(forced[0]?.outcome).toBe('requeued');
    const fresh = await queues.queue('programs').getJob('press-07__programs__2026-02-01');
    expect(await fresh?.getState()).toBe('waiting');
    expect(fresh?.attemptsMade).toBe(0);
    await drain(1, async () => {});
    expect(await fresh?.getState()).toBe('completed');
  });

  it('keeps a job that finished after `finishedBefore` (the plan could not see it)', async () => {
    const plannedAt = Date.now();
    await enqueue(queues, [slice('2026-03-01')]);
    await drain(1, async () => {});
    const results = await enqueue(queues, [slice('2026-03-01')], { force: true, finishedBefore: plannedAt });
    expect(results[0]?.outcome).toBe('pending');
    expect(await queues.queue('programs').getJobCounts('wait')).toEqual({ wait: 0 });
  });

  it('reports an active job instead of replacing it', async () => {
    await enqueue(queues, [slice('2026-04-01')]);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const drained = drain(1, async () => {
      started();
      await held;
    });
    await running;
    const results = await enqueue(queues, [slice('2026-04-01')], { force: true });
    expect(results[0]?.outcome).toBe('active');
    release();
    await drained;
  });

  it('refuses an invalid slice before touching Redis', async () => {
    await expect(enqueue(queues, [{ machine: 'a__b', etl: 'programs', day: '2026-01-01' }])).rejects.toThrow(
      /machine must be a slug/,
    );
  });
});
