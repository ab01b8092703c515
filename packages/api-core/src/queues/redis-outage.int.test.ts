import net from 'node:net';
import type { AggDatabase, RawDatabase } from '@mm/db';
import {
  createTestDatabase,
  freePort,
  type PrivateRedis,
  startPrivateRedis,
  type TestDatabase,
} from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, testApp, testQueues } from '../testing/harness.ts';
import { seedFallBackDay, seedLedger, seedRawStates } from '../testing/seed.ts';

// A Redis outage never breaks the read API. The Redis here is a private redis-server this file
// starts, kills and restarts (never the shared one): every data endpoint still answers 200,
// /api/status says Redis is down, the queue routes answer 503, /metrics still scrapes, and the
// outage is logged once, not on every reconnection attempt or request.

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let redis: PrivateRedis | null = null;
let port = 0;

const dataPaths = [
  '/',
  '/api/v1/temperature?target_date=2024-10-27',
  '/api/v1/machine_util?target_date=2024-10-27',
  '/api/v1/data_status',
  '/api/v1/machine_changes?start=2024-10-27 00:00:00&end=2024-10-27 06:00:00',
  '/api/v1/machine_program?target_date=2024-10-27',
  '/api/v1/alerts_daily_count?target_date=2024-10-27',
  '/api/v1/alerts_detail?target_date=2024-10-27',
  '/api/v1/energy_consumption?target_date=2024-10-27',
  '/api/v2/machines',
  '/api/v2/temperature?from=2024-10-26&to=2024-10-28',
  '/api/v2/energy_consumption?from=2024-10-26&to=2024-10-28',
  '/api/v2/runs?from=2024-11-01&to=2024-11-05',
  '/openapi.json',
];

async function startRedis(): Promise<void> {
  // DEBUG SLEEP plays a hung Redis below.
  redis = await startPrivateRedis({
    port,
    args: ['--maxmemory-policy', 'noeviction', '--enable-debug-command', 'yes'],
  });
}

async function killRedis(): Promise<void> {
  const server = redis;
  redis = null;
  await server?.kill();
}

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  await Promise.all([seedFallBackDay(agg.db), seedLedger(agg.db), seedRawStates(raw.db)]);
  port = await freePort();
});
afterAll(async () => {
  await killRedis();
  await Promise.all([agg?.drop(), raw?.drop()]);
});

const admin = { user: 'ops', password: 'Kestrel-Quarry-41' };
const auth = { Authorization: `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}` };

async function setup(awaitConnection: boolean) {
  const queueLogs = captureLogs();
  const queues = await testQueues(`redis://127.0.0.1:${port}`, { logger: queueLogs.logger, awaitConnection });
  const { app } = testApp({
    aggDb: agg.db,
    rawDb: raw.db,
    rawUrl: raw.url,
    config: { admin },
    deps: { queues, redis: queues },
  });
  const outageLines = () => queueLogs.lines().filter((l) => String(l.msg).startsWith('Redis is unreachable'));
  return { app, queues, queueLogs, outageLines };
}

async function expectReadApiUp(app: ReturnType<typeof testApp>['app']) {
  for (const path of dataPaths) {
    const res = await app.request(path);
    expect(res.status, path).toBe(200);
  }
}

async function expectRedisDown(app: ReturnType<typeof testApp>['app']) {
  const status = await app.request('/api/status');
  expect(status.status).toBe(503);
  expect(await status.json()).toMatchObject({
    status: 'unavailable',
    database: 'connected',
    checks: { aggregation_db: 'ok', raw_db: 'ok', redis: 'down' },
  });
  const metrics = await app.request('/metrics');
  expect(metrics.status).toBe(200);
  const text = await metrics.text();
  expect(text).toContain('mm_queue_scrape_ok 0');
  expect(text).not.toMatch(/^mm_queue_jobs\{/m);
  expect(text).not.toMatch(/^mm_queue_oldest_waiting_age_seconds\{/m);
  const board = await app.request('/admin/queues/api/queues', { headers: auth });
  expect(board.status).toBe(503);
  expect(await board.json()).toEqual({ detail: 'Service unavailable: Redis is unreachable' });
  const requeue = await app.request('/admin/requeue', {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ machine: 'press-07', etl: 'all', from: '2024-11-01', to: '2024-11-01' }),
  });
  expect(requeue.status).toBe(503);
}

describe('a Redis outage', () => {
  it('leaves every data endpoint answering while /api/status reports Redis down, and heals', async () => {
    await startRedis();
    const { app, queues, queueLogs, outageLines } = await setup(true);
    try {
      expect(await (await app.request('/api/status')).json()).toMatchObject({
        status: 'ok',
        checks: { redis: 'ok' },
      });
      expect(await (await app.request('/metrics')).text()).toContain('mm_queue_scrape_ok 1');

      await killRedis();
      // Long enough for several reconnection attempts (each one an ioredis and a queue error).
      await new Promise((r) => setTimeout(r, 2500));
      await expectReadApiUp(app);
      await expectRedisDown(app);
      await expectReadApiUp(app);
      expect(outageLines()).toHaveLength(1);
      expect(queueLogs.lines().length).toBeLessThanOrEqual(2);

      await startRedis();
      expect(await queues.untilReady(10_000)).toBe(true);
      expect(await (await app.request('/api/status')).json()).toMatchObject({
        status: 'ok',
        checks: { redis: 'ok' },
      });
      expect((await app.request('/admin/queues/api/queues', { headers: auth })).status).toBe(200);
      expect(await (await app.request('/metrics')).text()).toContain('mm_queue_scrape_ok 1');
      expect(queueLogs.lines().map((l) => l.msg)).toContain('Redis answers again');
    } finally {
      await queues.close();
    }
  });

  it('does not stop the API from starting and serving when Redis was never there', async () => {
    await killRedis();
    const { app, queues, outageLines } = await setup(false);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await expectReadApiUp(app);
      await expectRedisDown(app);
      expect(outageLines()).toHaveLength(1);
      const started = Date.now();
      await queues.close(); // does not wait for a Redis that never answered
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await queues.close();
    }
  });

  it('keeps a scrape of /metrics short when Redis is up but does not answer in time', async () => {
    await startRedis();
    const { app, queues } = await setup(true);
    try {
      expect(await (await app.request('/metrics')).text()).toContain('mm_queue_scrape_ok 1');
      // DEBUG SLEEP blocks this private server for 3 s: a hung Redis, not a closed port.
      const blocker = net.connect({ host: '127.0.0.1', port });
      await new Promise((resolve) => blocker.once('connect', resolve));
      blocker.write('*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$1\r\n3\r\n');
      // Past the half second in which one scrape's gauges share a reading.
      await new Promise((r) => setTimeout(r, 700));
      const started = Date.now();
      const res = await app.request('/metrics');
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
      const text = await res.text();
      expect(text).toContain('mm_queue_scrape_ok 0');
      expect(text).not.toMatch(/^mm_queue_jobs\{/m);
      await expectReadApiUp(app);
      blocker.destroy();
    } finally {
      await queues.close();
      await killRedis();
    }
  });
});
