import type { AggDatabase } from '@mm/db';
import { machinesFile, uniquePrefix, WorkerProcess, waitFor } from '@mm/queue-testing';
import { createTestDatabase, TcpProxy, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// A real worker process whose Redis and aggregation database are reached through TCP forwarders the
// test freezes: connections stay open but carry nothing, as when a network drops packets. `/readyz`
// must say so within seconds, naming the silent dependency; `/livez` stays 200 all along.

let agg: TestDatabase<AggDatabase>;
let redisProxy: TcpProxy;
let pgProxy: TcpProxy;
let worker: WorkerProcess;

beforeAll(async () => {
  agg = await createTestDatabase('agg');
  const redisUrl = new URL(inject('redisUrl'));
  redisProxy = await TcpProxy.start({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
  const pgUrl = new URL(agg.url);
  pgProxy = await TcpProxy.start({ host: pgUrl.hostname || '127.0.0.1', port: Number(pgUrl.port || 5432) });
  redisUrl.port = String(redisProxy.port);
  pgUrl.hostname = '127.0.0.1';
  pgUrl.port = String(pgProxy.port);
  const file = machinesFile([{ id: 'press-07', rawDatabaseUrl: agg.url }]);
  worker = await WorkerProcess.start({
    AGG_DATABASE_URL: pgUrl.toString(),
    REDIS_URL: redisUrl.toString(),
    MACHINES_FILE: file.path,
    QUEUE_PREFIX: uniquePrefix(),
  });
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  await worker?.exited;
  await Promise.all([redisProxy?.close(), pgProxy?.close()]);
  await agg?.drop();
});

async function get(path: string): Promise<{ status: number; body: { status: string; reasons?: string[] } }> {
  const res = await fetch(`http://127.0.0.1:${worker.port}${path}`);
  return { status: res.status, body: (await res.json()) as { status: string; reasons?: string[] } };
}

/** Seconds until `/readyz` answers `status`. */
async function secondsUntilReadyz(status: number): Promise<number> {
  const started = performance.now();
  await waitFor(`/readyz ${status}`, async () => (await get('/readyz')).status === status, 20_000, 50);
  return (performance.now() - started) / 1000;
}

describe('worker /readyz and /livez', () => {
  it('turns 503 within 5 s of Redis going silent, says why, and 200 again once it answers', async () => {
    await secondsUntilReadyz(200);
    expect((await get('/readyz')).body).toMatchObject({ status: 'ready' });
    redisProxy.freeze();
    const seconds = await secondsUntilReadyz(503);
    expect(seconds).toBeLessThanOrEqual(5);
    const { body } = await get('/readyz');
    expect(body.status).toBe('not ready');
    expect(body.reasons).toEqual([expect.stringMatching(/^redis: /)]);
    expect((await get('/livez')).status).toBe(200);
    redisProxy.open();
    await secondsUntilReadyz(200);
    console.log(`redis silent: /readyz 503 after ${seconds.toFixed(1)} s`);
  });

  it('turns 503 within 5 s of the aggregation database going silent, says why, and 200 again once it answers', async () => {
    await secondsUntilReadyz(200);
    pgProxy.freeze();
    const seconds = await secondsUntilReadyz(503);
    expect(seconds).toBeLessThanOrEqual(5);
    const { body } = await get('/readyz');
    expect(body.reasons).toEqual([expect.stringMatching(/^aggregation database: /)]);
    expect(await get('/livez')).toMatchObject({ status: 200, body: { status: 'alive' } });
    pgProxy.open();
    await secondsUntilReadyz(200);
    console.log(`aggregation database silent: /readyz 503 after ${seconds.toFixed(1)} s`);
  });
});
