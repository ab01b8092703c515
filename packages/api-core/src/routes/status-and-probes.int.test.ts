import { type AggDatabase, createDb, type RawDatabase } from '@mm/db';
import { defaultSliceJobPolicy } from '@mm/queue';
import { createTestDatabase, freePort, type TestDatabase } from '@mm/testing';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiQueues } from '../queues/api-queues.ts';
import { captureLogs, testApp } from '../testing/harness.ts';

// /api/status over every machine's raw database (reachable and with the raw schema), and the
// orchestrators' /readyz and /livez. Nothing is mocked: "down" is a closed port, "without the raw
// schema" a real database that lacks its tables.

const closedPort = 'postgres://postgres@127.0.0.1:1/nowhere';
let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
// A reachable database without the raw schema: an aggregation database has no `variable` table.
let notRaw: TestDatabase<AggDatabase>;
let deadRaw: Kysely<RawDatabase>;

beforeAll(async () => {
  [agg, raw, notRaw] = await Promise.all([
    createTestDatabase('agg'),
    createTestDatabase('raw'),
    createTestDatabase('agg'),
  ]);
  deadRaw = createDb<RawDatabase>(closedPort, { max: 1, readOnly: true });
});
afterAll(async () => {
  await Promise.all([agg.drop(), raw.drop(), notRaw.drop(), deadRaw.destroy()]);
});

/** The harness's machines: `press-07` first, `mazak01` second, each on the raw database given. */
function appWith(rawOf: Record<string, Kysely<RawDatabase>>, opened: string[] = []) {
  return testApp({
    aggDb: agg.db,
    rawDb: raw.db,
    rawUrl: raw.url,
    deps: {
      rawDbFor: (machine) => {
        opened.push(machine.id);
        return rawOf[machine.id] ?? raw.db;
      },
    },
  }).app;
}

describe('GET /api/status', () => {
  it("checks every machine's raw database, not only the first", async () => {
    const app = appWith({ 'press-07': raw.db, mazak01: deadRaw });
    const res = await app.request('/api/status');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'unavailable',
      database: "unreachable: raw database of machine 'mazak01'",
      checks: { aggregation_db: 'ok', raw_db: 'down' },
    });
  });

  it('says a reachable database without the raw schema is not ok, with or without machine', async () => {
    const app = appWith({ 'press-07': raw.db, mazak01: notRaw.db as unknown as Kysely<RawDatabase> });
    for (const path of ['/api/status', '/api/status?machine=mazak01']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(503);
      expect(await res.json(), path).toMatchObject({
        database: "without the raw schema: raw database of machine 'mazak01'",
        checks: { raw_db: 'down' },
      });
    }
    expect((await app.request('/api/status?machine=press-07')).status).toBe(200);
  });

  it("reuses a raw database's answer for a few seconds", async () => {
    const opened: string[] = [];
    const app = appWith({}, opened);
    for (let i = 0; i < 5; i++) expect((await app.request('/api/status')).status).toBe(200);
    expect(opened.sort()).toEqual(['mazak01', 'press-07']);
  });
});

describe('GET /readyz and /livez', () => {
  it('ready when the aggregation database answers; not while stopping; live either way', async () => {
    let stopping = false;
    const { app } = testApp({
      aggDb: agg.db,
      rawDb: raw.db,
      rawUrl: raw.url,
      deps: { stopping: () => stopping },
    });
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    stopping = true;
    const stopped = await app.request('/readyz');
    expect(stopped.status).toBe(503);
    expect(await stopped.json()).toEqual({ status: 'not ready', reasons: ['api: stopping'] });
    expect(await (await app.request('/livez')).json()).toEqual({ status: 'alive' });
  });

  it('not ready while its aggregation database or its Redis is down, and still live', async () => {
    const deadAgg = createDb<AggDatabase>(closedPort, { max: 1 });
    const queues = openApiQueues({
      redisUrl: `redis://127.0.0.1:${await freePort()}`,
      prefix: 'mm_probe_test',
      policy: defaultSliceJobPolicy,
      logger: captureLogs().logger,
    });
    try {
      const { app } = testApp({
        aggDb: deadAgg,
        rawDb: raw.db,
        rawUrl: raw.url,
        deps: { redis: queues, queues },
      });
      const ready = await app.request('/readyz');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        status: 'not ready',
        reasons: [expect.stringMatching(/^aggregation database: /), expect.stringMatching(/^redis: /)],
      });
      const live = await app.request('/livez');
      expect(live.status).toBe(200);
    } finally {
      await Promise.all([queues.close(), deadAgg.destroy()]);
    }
  });
});
