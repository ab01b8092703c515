import { type AggDatabase, createDb, migrateToLatest, migrations, type RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../testing/harness.ts';

// Unreachable dependencies are 503s naming what is down; an unexpected failure is a 500 that says
// nothing about itself (the log has it). Nothing is mocked: "down" is a closed port.

const closedPort = 'postgres://postgres@127.0.0.1:1/nowhere';
let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let deadAgg: ReturnType<typeof createDb<AggDatabase>>;
let deadRaw: ReturnType<typeof createDb<RawDatabase>>;

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  deadAgg = createDb<AggDatabase>(closedPort, { max: 1 });
  deadRaw = createDb<RawDatabase>(closedPort, { max: 1, readOnly: true });
});
afterAll(async () => {
  await Promise.all([agg?.drop(), raw?.drop(), deadAgg?.destroy(), deadRaw?.destroy()]);
});

const dataPaths = [
  '/api/v1/temperature?target_date=2024-01-01',
  '/api/v1/machine_util?target_date=2024-01-01',
  '/api/v1/data_status',
  '/api/v1/machine_program?target_date=2024-01-01',
  '/api/v1/alerts_daily_count?target_date=2024-01-01',
  '/api/v1/alerts_detail?target_date=2024-01-01',
  '/api/v1/energy_consumption?target_date=2024-01-01',
  '/api/v2/machine_util?from=2024-01-01&to=2024-01-31',
  '/api/v2/runs?from=2024-01-01&to=2024-01-31',
];

describe('with the aggregation database down', () => {
  it.each(dataPaths)('%s is a 503 without exception text', async (path) => {
    const { app } = testApp({ aggDb: deadAgg, rawDb: raw.db, rawUrl: raw.url });
    const res = await app.request(path);
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body).toEqual({ detail: 'Service unavailable: aggregation database is unreachable' });
  });

  it('/api/status is a 503 in the same shape, naming the aggregation database', async () => {
    const { app } = testApp({ aggDb: deadAgg, rawDb: raw.db, rawUrl: raw.url });
    const res = await app.request('/api/status');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'unavailable',
      database: 'unreachable: aggregation database',
      version: '0.1.0-test',
      checks: { aggregation_db: 'down', raw_db: 'ok' },
    });
  });

  it('/metrics still answers, saying the ledger could not be read', async () => {
    const { app } = testApp({ aggDb: deadAgg, rawDb: raw.db, rawUrl: raw.url });
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('mm_api_ledger_scrape_ok 0');
  });
});

describe("with the machine's raw database down", () => {
  it('machine_changes is a 503 naming the raw database', async () => {
    const { app, logs } = testApp({ aggDb: agg.db, rawDb: deadRaw, rawUrl: raw.url });
    const res = await app.request(
      '/api/v1/machine_changes?start=2024-01-01T00:00:00&end=2024-01-01T01:00:00',
    );
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      detail: "Service unavailable: raw database of machine 'press-07' is unreachable",
    });
    expect(logs.text()).toContain('dependency unavailable');
  });

  it('/api/status names it; aggregate endpoints still work', async () => {
    const { app } = testApp({ aggDb: agg.db, rawDb: deadRaw, rawUrl: raw.url });
    const status = await app.request('/api/status?machine=mazak01');
    expect(status.status).toBe(503);
    expect(await status.json()).toMatchObject({
      status: 'unavailable',
      database: "unreachable: raw database of machine 'mazak01'",
      checks: { aggregation_db: 'ok', raw_db: 'down' },
    });
    expect((await app.request('/api/v1/data_status')).status).toBe(200);
  });
});

describe('with the aggregation database behind the code', () => {
  it('every data endpoint and /api/status are 503 saying to migrate, and they recover after the migration', async () => {
    const behind = await createTestDatabase('agg');
    try {
      // The code's latest migration undone (its down, and its ledger row), as on a database an
      // earlier release migrated.
      const { error } = await new Migrator({
        db: behind.db,
        provider: { getMigrations: async () => migrations },
      }).migrateDown();
      if (error) throw error;
      const { app } = testApp({
        aggDb: behind.db,
        rawDb: raw.db,
        rawUrl: raw.url,
        deps: { migrationCheckTtlMs: 0 },
      });
      for (const path of dataPaths) {
        const res = await app.request(path);
        expect(res.status, path).toBe(503);
        expect(await res.json(), path).toEqual({
          detail: 'aggregation database is not migrated: run pnpm db:migrate',
        });
      }
      const status = await app.request('/api/status');
      expect(status.status).toBe(503);
      expect(await status.json()).toEqual({
        status: 'unavailable',
        database: 'aggregation database is not migrated: run pnpm db:migrate',
        version: '0.1.0-test',
        checks: { aggregation_db: 'not_migrated', raw_db: 'ok' },
      });

      await migrateToLatest(behind.db);
      expect((await app.request('/api/status')).status).toBe(200);
      expect((await app.request('/api/v1/data_status')).status).toBe(200);
    } finally {
      await behind.drop();
    }
  });
});

describe('an unexpected failure', () => {
  it('is a 500 with a generic message; the log has the error and the request id', async () => {
    // A migrated database that lost a table: the query fails on a working connection.
    const broken = await createTestDatabase('agg');
    afterAll(() => broken.drop());
    await sql`drop table agg_sensor_stats cascade`.execute(broken.db);
    const { app, logs } = testApp({ aggDb: broken.db, rawDb: raw.db, rawUrl: raw.url });
    const res = await app.request('/api/v1/temperature?target_date=2024-01-01', {
      headers: { 'X-Request-Id': 'trace-500' },
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ detail: 'Internal Server Error' });
    expect(text).not.toMatch(/agg_sensor_stats|relation|select|at /i);
    expect(res.headers.get('x-request-id')).toBe('trace-500');
    const logged = logs.lines().find((l) => l.msg === 'unhandled error');
    expect(logged).toMatchObject({
      reqId: 'trace-500',
      err: { message: expect.stringContaining('agg_sensor_stats') },
    });
  });
});
