import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEtlQueues, createRedis, planQueueName, redisReady } from '@mm/queue';
import { freePort } from '@mm/testing';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { demoQueuePrefix } from '../queue-demo.ts';
import { runDemo } from '../testing/run-demo.ts';
import { smallNistDir } from '../testing/small-nist-dir.ts';

// `pnpm start`'s process with the test run's Redis: it aggregates through the queues, serves, and on
// Ctrl-C (SIGINT) stops its worker and scheduler, closes everything and exits 0.

const root = mkdtempSync(join(tmpdir(), 'mm-demo-cli-'));
const dataDir = join(root, 'demo');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('pnpm start with Redis', () => {
  it('closes its worker and exits 0 on Ctrl-C', { timeout: 300_000 }, async () => {
    const producer = createRedis(inject('redisUrl'), 'producer');
    await redisReady(producer);
    const prefix = demoQueuePrefix(dataDir);
    const queues = createEtlQueues({ connection: producer, prefix });
    const plan = new Queue(planQueueName, { connection: producer, prefix });
    const port = await freePort();
    try {
      await runDemo(
        {
          via: 'node',
          env: {
            PATH: process.env.PATH ?? '',
            REDIS_URL: inject('redisUrl'),
            DEMO_DATA_DIR: dataDir,
            DEMO_DAYS: '2',
            DEMO_VOLUME: '0.01',
            DEMO_LAST_DAY: '2024-03-28',
            PORT: String(port),
            // mazak01's data is not this test's subject: one day of it, not sixteen.
            NIST_DIR: smallNistDir(root),
          },
          readyWithinMs: 240_000,
        },
        async (demo) => {
          expect(demo.output()).toContain(
            `Through the BullMQ queues on ${inject('redisUrl')} (prefix ${prefix})`,
          );
          expect(await queues.queue.getWorkersCount()).toBe(1);
          const status = await fetch(`http://127.0.0.1:${port}/api/status?machine=press-07`);
          expect(((await status.json()) as { checks: unknown }).checks).toMatchObject({ redis: 'ok' });

          demo.signal('SIGINT');
          expect((await demo.exited).code).toBe(0);
          expect(demo.output()).toMatch(/SIGINT: shutting down\nstopped\n$/);
          expect(await queues.queue.getWorkersCount()).toBe(0);
        },
      );
    } finally {
      await Promise.all([...queues.all(), plan].map((q) => q.obliterate({ force: true })));
      await Promise.all([queues.close(), plan.close()]);
      producer.disconnect();
    }
  });
});
