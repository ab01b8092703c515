import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enqueue } from './enqueue.ts';
import { createEtlQueues, type EtlQueues } from './etl-queues.ts';
import { etlQueueName } from './queue-names.ts';
import { createRedis, redisReady } from './redis-connection.ts';
import type { SliceJob } from './slice-job.ts';
import { slicePriority } from './slice-priority.ts';

const prefix = `mm_t_${randomBytes(4).toString('hex')}`;
let producer: Redis;
let workerConnection: Redis;
let queues: EtlQueues;

beforeAll(async () => {
  producer = createRedis(inject('redisUrl'), 'producer');
  workerConnection = createRedis(inject('redisUrl'), 'worker');
  await redisReady(producer);
  queues = createEtlQueues({
    connection: producer,
    prefix,
    policy: {
      attempts: 5,
      backoffDelayMs: 1000,
      keepCompletedSeconds: 3600,
      keepCompletedJobs: 100,
      keepFailedSeconds: 3600,
    },
  });
});

afterAll(async () => {
  await queues.close();
  // Only this file's keys: the Redis is shared.
  for (const key of await producer.keys(`${prefix}:*`)) await producer.del(key);
  await producer.quit();
  await workerConnection.quit();
});

const slice = (day: string): SliceJob => ({ machine: 'press-07', etl: 'programs', day });

/** Runs the ETL queue's jobs with `processor`, one at a time, until `count` jobs finished. */
async function drain(count: number, processor: (job: SliceJob) => Promise<void>): Promise<string[]> {
  const order: string[] = [];
  let finished = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const worker = new Worker<SliceJob>(
    etlQueueName,
    async (job) => {
      order.push(job.name === 'programs' ? job.data.day : `${job.data.day} ${job.name}`);
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
  it('queues each slice once, and workers take work newest day first, then refreshes, operators’ jobs before both', async () => {
    const tier = new Map([['2026-01-05', 'refresh' as const]]);
    const priority = (s: SliceJob) => slicePriority(tier.get(s.day) ?? 'work', s.day);
    const first = await enqueue(
      queues,
      [slice('2026-01-05'), slice('2026-01-01'), slice('2026-01-03'), slice('2026-01-02')],
      { priority },
    );
    expect(first.map((r) => [r.jobId, r.outcome])).toEqual([
      ['press-07__programs__2026-01-05', 'added'],
      ['press-07__programs__2026-01-01', 'added'],
      ['press-07__programs__2026-01-03', 'added'],
      ['press-07__programs__2026-01-02', 'added'],
    ]);
    // A slice whose job still waits is never queued a second time, forced or not.
    expect((await enqueue(queues, [slice('2026-01-02')]))[0]?.outcome).toBe('pending');
    expect((await enqueue(queues, [slice('2026-01-05')], { force: true, priority }))[0]?.outcome).toBe(
      'pending',
    );
    // An operator's re-queue (no priority) of another ETL goes ahead of all of it.
    await enqueue(queues, [{ machine: 'press-07', etl: 'energy', day: '2025-12-01' }]);
    expect(await queues.queue.getJobCounts('wait', 'prioritized')).toEqual({ wait: 1, prioritized: 4 });
    expect(await drain(5, async () => {})).toEqual([
      '2025-12-01 energy',
      '2026-01-03',
      '2026-01-02',
      '2026-01-01',
      '2026-01-05',
    ]);
  });

  it('adds nothing for a completed day without force, and re-runs it with force', async () => {
    const plain = await enqueue(queues, [slice('2026-01-02')]);
    expect(plain[0]?.outcome).toBe('pending');
    expect(await queues.queue.getJobCounts('wait')).toEqual({ wait: 0 });

    const forced = await enqueue(queues, [slice('2026-01-02')], { force: true });
    expect(forced[0]?.outcome).toBe('requeued');
    expect(await drain(1, async () => {})).toEqual(['2026-01-02']);
  });

  it('re-runs a failed day with force and a fresh set of attempts', async () => {
    await enqueue(queues, [slice('2026-02-01')]);
    await queues.queue.getJob('press-07__programs__2026-02-01');
    await drain(1, async () => {
      throw new UnrecoverableError('machine unknown');
    });
    const failed = await queues.queue.getJob('press-07__programs__2026-02-01');
    expect(await failed?.getState()).toBe('failed');
    const forced = await enqueue(queues, [slice('2026-02-01')], { force: true });
    expect(forced[0]?.outcome).toBe('requeued');
    const fresh = await queues.queue.getJob('press-07__programs__2026-02-01');
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
    expect(await queues.queue.getJobCounts('wait')).toEqual({ wait: 0 });
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

  it('keeps at most KEEP_COMPLETED_JOBS completed jobs', async () => {
    const days = Array.from({ length: 28 }, (_, i) => `2027-01-${String(i + 1).padStart(2, '0')}`);
    const slices = days.flatMap((day) =>
      (['programs', 'energy', 'alerts', 'sensor-stats', 'machine-activity'] as const).map((etl) => ({
        machine: 'press-07',
        etl,
        day,
      })),
    );
    await enqueue(queues, slices);
    await drain(slices.length, async () => {});
    expect(slices.length).toBeGreaterThan(100);
    expect(await queues.queue.getCompletedCount()).toBeLessThanOrEqual(100);
  });

  it('refuses an invalid slice before touching Redis', async () => {
    await expect(enqueue(queues, [{ machine: 'a__b', etl: 'programs', day: '2026-01-01' }])).rejects.toThrow(
      /machine must be a slug/,
    );
  });
});
