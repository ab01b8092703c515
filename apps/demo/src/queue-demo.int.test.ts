import { createLogger } from '@mm/config';
import type { AggDatabase } from '@mm/db';
import { createTestDatabase, type PrivateRedis, startPrivateRedis, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoQueuePrefix, startDemoQueues } from './queue-demo.ts';

// When the demo does not use the queues: no Redis at the URL, or a Redis that may evict keys (a
// private redis-server started with allkeys-lru, never the shared one).

let agg: TestDatabase<AggDatabase>;
let evicting: PrivateRedis | undefined;
let port = 0;

beforeAll(async () => {
  agg = await createTestDatabase('agg');
  evicting = await startPrivateRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
  port = evicting.port;
});
afterAll(async () => {
  await evicting?.kill();
  await agg?.drop();
});

const logger = createLogger({ app: 'demo-test', level: 'silent' });
const start = (redisUrl: string, report: (line: string) => void) =>
  startDemoQueues({
    redisUrl,
    dataDir: '/tmp/mm-demo-queue-test',
    aggDb: agg.db,
    machines: [],
    rawDb: () => {
      throw new Error('not used');
    },
    logger,
    fresh: true,
    report,
    connectTimeoutMs: 1000,
  });

describe('startDemoQueues', () => {
  it('runs without queues, saying so, when nothing answers at REDIS_URL', async () => {
    const lines: string[] = [];
    const started = Date.now();
    expect(await start('redis://127.0.0.1:1', (l) => lines.push(l))).toBeNull();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(lines).toEqual([
      'Redis does not answer at redis://127.0.0.1:1: aggregating in this process, without queues.',
    ]);
  });

  it('refuses a Redis that may evict keys (BullMQ would lose jobs), saying why', async () => {
    const lines: string[] = [];
    expect(await start(`redis://127.0.0.1:${port}`, (l) => lines.push(l))).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^Redis is not usable \\(.*allkeys-lru.*\\) at redis://127.0.0.1:${port}: aggregating in this process, without queues\\.$`,
      ),
    );
  });

  it('uses a prefix of the demo’s own per data directory', () => {
    expect(demoQueuePrefix('./.data/demo')).toMatch(/^mm-demo-[0-9a-f]{8}$/);
    expect(demoQueuePrefix('./.data/demo')).toBe(demoQueuePrefix(`${process.cwd()}/.data/demo`));
    expect(demoQueuePrefix('/tmp/a')).not.toBe(demoQueuePrefix('/tmp/b'));
  });
});
