import { type AggDatabase, openDb, type RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from './testing/harness.ts';
import { ledgerNow, seedLedger } from './testing/seed.ts';

// Metrics, request logs, OpenAPI and the docs page, and the reserved admin prefix.

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let pooled: ReturnType<typeof openDb<AggDatabase>>;

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  await seedLedger(agg.db);
  pooled = openDb<AggDatabase>(agg.url, { max: 3 });
});
afterAll(async () => {
  await pooled?.db.destroy();
  await Promise.all([agg?.drop(), raw?.drop()]);
});

describe('/metrics', () => {
  it('reports durations by route pattern, statuses, pool usage and ledger failed/stale days', async () => {
    expect(pooled.pool).not.toBeNull();
    const { app } = testApp({
      aggDb: pooled.db,
      rawDb: raw.db,
      rawUrl: raw.url,
      deps: { pools: { agg: pooled.pool! }, now: () => ledgerNow },
    });
    await app.request('/api/v1/energy_consumption?target_date=2024-10-27');
    await app.request('/api/v1/energy_consumption?target_date=2024-10-28');
    await app.request('/api/v1/temperature?target_date=2024-10-27'); // 404: no data
    await app.request('/api/v1/no/such/path/12345');
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(
      /mm_api_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/energy_consumption",status="200"\} 2/,
    );
    expect(text).toMatch(
      /mm_api_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/temperature",status="404"\} 1/,
    );
    expect(text).toMatch(/route="\(unmatched\)",status="404"/);
    expect(text).not.toContain('12345'); // raw paths never become labels
    expect(text).toMatch(/mm_api_http_responses_total\{status="200"\} 2/);
    expect(text).toMatch(/mm_api_http_responses_total\{status="404"\} 2/);
    expect(text).toMatch(/mm_api_db_pool_connections\{pool="agg",state="total"\} [1-3]/);
    expect(text).toMatch(/mm_api_db_pool_connections\{pool="agg",state="idle"\} \d/);
    expect(text).toMatch(/mm_api_db_pool_connections\{pool="agg",state="waiting"\} 0/);
    expect(text).toContain('mm_etl_ledger_days{machine="press-07",status="failed"} 1');
    expect(text).toContain('mm_etl_ledger_days{machine="press-07",status="stale"} 2');
    expect(text).toContain('mm_etl_ledger_days{machine="mazak01",status="failed"} 0');
    expect(text).toContain('mm_api_ledger_scrape_ok 1');
  });

  it('uses a registry per app: two apps do not share counters', async () => {
    const a = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url }).app;
    const b = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url }).app;
    await a.request('/');
    const text = await (await b.request('/metrics')).text();
    expect(text).not.toMatch(/route="\/",status="200"/);
  });
});

describe('request logs', () => {
  it('log one line per request with the request id, propagated from X-Request-Id', async () => {
    const { app, logs } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url });
    const res = await app.request('/api/v1/alerts_detail?target_date=2024-10-27', {
      headers: { 'X-Request-Id': 'dash-42.a' },
    });
    expect(res.headers.get('x-request-id')).toBe('dash-42.a');
    const line = logs.lines().find((l) => l.msg === 'request completed');
    expect(line).toMatchObject({
      app: 'api-test',
      reqId: 'dash-42.a',
      method: 'GET',
      url: '/api/v1/alerts_detail?target_date=2024-10-27',
      status: 200,
      responseTime: expect.any(Number),
    });
  });

  it('replace an absent or unsafe request id with a fresh UUID', async () => {
    const { app } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url });
    const variants: Array<Record<string, string>> = [
      {},
      { 'X-Request-Id': 'has spaces and "quotes"' },
      { 'X-Request-Id': 'x'.repeat(300) },
    ];
    for (const headers of variants) {
      const res = await app.request('/', { headers });
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('never contain credentials', async () => {
    const { app, logs } = testApp({
      aggDb: agg.db,
      rawDb: raw.db,
      rawUrl: raw.url,
      config: { admin: { user: 'ops', password: 'correct-horse-battery' } },
    });
    const basic = `Basic ${Buffer.from('ops:correct-horse-battery').toString('base64')}`;
    await app.request('/admin/queues', {
      headers: { Authorization: basic, Cookie: 'session=s3cr3t-cookie' },
    });
    await app.request('/api/v1/data_status', { headers: { Authorization: basic } });
    const text = logs.text();
    expect(text).toContain('request completed');
    expect(text).not.toContain('correct-horse-battery');
    expect(text).not.toContain(Buffer.from('ops:correct-horse-battery').toString('base64'));
    expect(text).not.toContain('s3cr3t-cookie');
  });
});

describe('/admin (reserved)', () => {
  it('is closed without configured credentials', async () => {
    const { app } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url });
    const res = await app.request('/admin/queues');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toContain('ADMIN_USER');
  });

  it('asks for basic auth when configured, on the prefix and below it', async () => {
    const { app } = testApp({
      aggDb: agg.db,
      rawDb: raw.db,
      rawUrl: raw.url,
      config: { admin: { user: 'ops', password: 'correct-horse-battery' } },
    });
    for (const path of ['/admin', '/admin/queues']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Basic');
    }
    const wrong = await app.request('/admin', {
      headers: { Authorization: `Basic ${Buffer.from('ops:nope').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    const ok = await app.request('/admin/queues', {
      headers: { Authorization: `Basic ${Buffer.from('ops:correct-horse-battery').toString('base64')}` },
    });
    expect(ok.status).toBe(404);
  });
});

describe('OpenAPI and /docs', () => {
  const v1 = [
    '/',
    '/api/status',
    '/api/v1/temperature',
    '/api/v1/machine_util',
    '/api/v1/data_status',
    '/api/v1/machine_changes',
    '/api/v1/machine_program',
    '/api/v1/alerts_daily_count',
    '/api/v1/alerts_detail',
    '/api/v1/energy_consumption',
  ];
  const v2 = [
    '/api/v2/machines',
    '/api/v2/temperature',
    '/api/v2/machine_util',
    '/api/v2/machine_program',
    '/api/v2/alerts_daily_count',
    '/api/v2/energy_consumption',
    '/api/v2/runs',
    '/api/v2/plant',
    '/api/v2/data_status',
    '/api/v2/machine_changes',
  ];

  it('documents every endpoint with the parameters the validators use', async () => {
    const { app } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url });
    // biome-ignore lint/suspicious/noExplicitAny: a JSON document the test explores field by field
    const doc = (await (await app.request('/openapi.json')).json()) as any;
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths).sort()).toEqual([...v1, ...v2].sort());
    const params = (path: string) =>
      doc.paths[path].get.parameters.map(
        (p: { name: string; required: boolean }) => `${p.name}${p.required ? '!' : ''}`,
      );
    expect(params('/api/v1/temperature')).toEqual(['target_date!', 'sensor_name', 'machine']);
    expect(params('/api/v1/machine_changes')).toEqual(['start!', 'end!', 'machine']);
    expect(params('/api/v2/machine_changes')).toEqual(['start!', 'end!', 'machine']);
    expect(params('/api/v2/runs')).toEqual(['from!', 'to!', 'machine', 'page', 'page_size']);
    expect(params('/api/v2/plant')).toEqual([
      'q',
      'status',
      'timezone',
      'profile',
      'sort',
      'order',
      'machine',
      'page',
      'page_size',
    ]);
    const pageSize = doc.paths['/api/v2/plant'].get.parameters.find(
      (p: { name: string }) => p.name === 'page_size',
    );
    expect(pageSize.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 500 });
    expect(doc.components.schemas.TemperatureHour.required).toEqual([
      'dt',
      'min_value',
      'avg_value',
      'max_value',
      'std_dev',
      'readings_count',
    ]);
    expect(doc.paths['/api/v1/temperature'].get.responses['422']).toBeDefined();
  });

  it('renders a self-contained docs page: endpoints, parameters and fields, no external resources', async () => {
    const { app } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url });
    const res = await app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    for (const path of [...v1, ...v2]) expect(html).toContain(`<code>${path}</code>`);
    expect(html).toContain('<code>target_date</code>');
    expect(html).toContain('<code>readings_count</code>');
    expect(html).toContain('<code>machines[].days[].etls[].status</code>');
    expect(html).not.toMatch(/<script|<link|@import|https?:\/\//i);
  });
});
