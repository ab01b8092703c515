import type { AggDatabase, RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../testing/harness.ts';

// Bad inputs: every one is a 4xx with a clear message in docs/api.md's shape, never a 5xx, and never an
// echo of a huge input. Runs against real (empty) databases, so anything that slipped past
// validation would reach PostgreSQL.

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let app: ReturnType<typeof testApp>['app'];

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  app = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url }).app;
});
afterAll(async () => {
  await Promise.all([agg?.drop(), raw?.drop()]);
});

const tenKb = 'x'.repeat(10_240);
const dateEndpoints = [
  '/api/v1/temperature',
  '/api/v1/machine_util',
  '/api/v1/machine_program',
  '/api/v1/alerts_daily_count',
  '/api/v1/alerts_detail',
  '/api/v1/energy_consumption',
];

interface Case {
  name: string;
  query: string;
  status: number;
  loc?: string;
  type?: string;
}

const dateCases: Case[] = [
  { name: 'missing', query: '', status: 422, loc: 'target_date', type: 'missing' },
  { name: 'empty', query: 'target_date=', status: 422, loc: 'target_date', type: 'date_parsing' },
  { name: 'a word', query: 'target_date=yesterday', status: 422, loc: 'target_date', type: 'date_parsing' },
  {
    name: 'Feb 30',
    query: 'target_date=2024-02-30',
    status: 422,
    loc: 'target_date',
    type: 'date_from_datetime_inexact',
  },
  { name: 'Feb 29 of a common year', query: 'target_date=2023-02-29', status: 422, loc: 'target_date' },
  { name: 'month 13', query: 'target_date=2024-13-01', status: 422, loc: 'target_date' },
  { name: 'year 0', query: 'target_date=0000-01-01', status: 422, loc: 'target_date' },
  {
    name: 'year 9999',
    query: 'target_date=9999-12-31',
    status: 422,
    loc: 'target_date',
    type: 'value_error',
  },
  {
    name: 'before 1970',
    query: 'target_date=1969-12-31',
    status: 422,
    loc: 'target_date',
    type: 'value_error',
  },
  { name: 'two-digit year', query: 'target_date=24-01-01', status: 422, loc: 'target_date' },
  { name: 'unpadded', query: 'target_date=2024-1-1', status: 422, loc: 'target_date' },
  { name: 'a datetime', query: 'target_date=2024-01-01T00:00:00', status: 422, loc: 'target_date' },
  {
    name: 'full-width digits',
    query: `target_date=${encodeURIComponent('２０２４-01-01')}`,
    status: 422,
    loc: 'target_date',
  },
  { name: 'a NUL byte', query: 'target_date=2024-01-01%00', status: 422, loc: 'target_date' },
  { name: 'bad percent-encoding', query: 'target_date=%E0%A4%A', status: 422, loc: 'target_date' },
  {
    name: 'SQL',
    query: `target_date=${encodeURIComponent("2024-01-01' OR 1=1 --")}`,
    status: 422,
    loc: 'target_date',
  },
  { name: '10 kB', query: `target_date=${tenKb}`, status: 422, loc: 'target_date' },
  {
    name: 'repeated',
    query: 'target_date=2024-01-01&target_date=2024-01-02',
    status: 422,
    loc: 'target_date',
    type: 'repeated',
  },
  {
    name: 'machine as SQL',
    query: `target_date=2024-01-01&machine=${encodeURIComponent("x' OR '1'='1")}`,
    status: 404,
  },
  {
    name: 'machine 10 kB',
    query: `target_date=2024-01-01&machine=${tenKb}`,
    status: 422,
    loc: 'machine',
    type: 'string_too_long',
  },
  {
    name: 'machine repeated',
    query: 'target_date=2024-01-01&machine=press-07&machine=mazak01',
    status: 422,
    loc: 'machine',
    type: 'repeated',
  },
];

const otherCases: Array<Case & { path: string }> = [
  {
    path: '/api/v1/temperature',
    name: 'sensor as SQL',
    query: `target_date=2024-01-01&sensor_name=${encodeURIComponent("TEMPERATURA_BASE'; drop table agg_sensor_stats; --")}`,
    status: 404,
  },
  {
    path: '/api/v1/temperature',
    name: 'sensor 10 kB',
    query: `target_date=2024-01-01&sensor_name=${tenKb}`,
    status: 422,
    loc: 'sensor_name',
  },
  {
    path: '/api/v1/temperature',
    name: 'sensor repeated',
    query: 'target_date=2024-01-01&sensor_name=a&sensor_name=b',
    status: 422,
    loc: 'sensor_name',
    type: 'repeated',
  },
  {
    path: '/api/v1/machine_changes',
    name: 'no start',
    query: 'end=2024-01-01T00:00:00',
    status: 422,
    loc: 'start',
    type: 'missing',
  },
  {
    path: '/api/v1/machine_changes',
    name: 'no end',
    query: 'start=2024-01-01T00:00:00',
    status: 422,
    loc: 'end',
    type: 'missing',
  },
  {
    path: '/api/v1/machine_changes',
    name: 'garbage start',
    query: 'start=soon&end=2024-01-01T00:00:00',
    status: 422,
    loc: 'start',
    type: 'datetime_parsing',
  },
  {
    path: '/api/v1/machine_changes',
    name: 'Feb 30',
    query: 'start=2024-02-30T00:00:00&end=2024-03-01T00:00:00',
    status: 422,
    loc: 'start',
  },
  {
    path: '/api/v1/machine_changes',
    name: 'hour 24',
    query: 'start=2024-01-01T24:00:00&end=2024-01-02T00:00:00',
    status: 422,
    loc: 'start',
  },
  {
    path: '/api/v1/machine_changes',
    name: 'offset +25:00',
    query: 'start=2024-01-01T00:00:00%2B25:00&end=2024-01-02T00:00:00',
    status: 422,
    loc: 'start',
  },
  {
    path: '/api/v1/machine_changes',
    name: 'epoch number',
    query: 'start=1704067200000&end=1704153600000',
    status: 422,
    loc: 'start',
  },
  {
    path: '/api/v1/machine_changes',
    name: 'a year',
    query: 'start=2023-01-01T00:00:00Z&end=2024-01-01T00:00:00Z',
    status: 422,
    loc: 'end',
    type: 'value_error',
  },
  {
    path: '/api/v1/machine_changes',
    name: '10 kB',
    query: `start=${tenKb}&end=2024-01-01T00:00:00`,
    status: 422,
    loc: 'start',
  },
  {
    path: '/api/v1/machine_changes',
    name: 'SQL',
    query: `start=${encodeURIComponent("2024-01-01'; select pg_sleep(5); --")}&end=2024-01-01T00:00:00`,
    status: 422,
    loc: 'start',
  },
  {
    path: '/api/v1/machine_changes',
    name: 'repeated',
    query: 'start=2024-01-01T00:00:00&start=2024-01-01T01:00:00&end=2024-01-01T02:00:00',
    status: 422,
    loc: 'start',
    type: 'repeated',
  },
  {
    path: '/api/v2/machine_util',
    name: 'to before from',
    query: 'from=2024-02-01&to=2024-01-01',
    status: 422,
    loc: 'to',
    type: 'value_error',
  },
  {
    path: '/api/v2/machine_util',
    name: '367 days',
    query: 'from=2024-01-01&to=2025-01-01',
    status: 422,
    loc: 'to',
    type: 'value_error',
  },
  {
    path: '/api/v2/temperature',
    name: 'no from',
    query: 'to=2024-01-01',
    status: 422,
    loc: 'from',
    type: 'missing',
  },
  { path: '/api/v2/runs', name: 'Feb 30', query: 'from=2024-02-30&to=2024-03-01', status: 422, loc: 'from' },
  {
    path: '/api/v2/energy_consumption',
    name: 'unknown machine',
    query: 'from=2024-01-01&to=2024-01-02&machine=nope',
    status: 404,
  },
];

const allCases = [...dateEndpoints.flatMap((path) => dateCases.map((c) => ({ ...c, path }))), ...otherCases];

describe('bad inputs', () => {
  it.each(allCases)('$path $name → $status', async ({ path, query, status, loc, type }) => {
    const res = await app.request(`${path}?${query}`);
    const text = await res.text();
    expect(res.status).toBe(status);
    expect(text.length).toBeLessThan(1000); // no echo of a 10 kB input
    const body = JSON.parse(text);
    if (status === 422) {
      expect(body.detail).toEqual(expect.any(Array));
      const entry = body.detail.find((d: { loc: string[] }) => d.loc[1] === loc);
      expect(entry, JSON.stringify(body)).toMatchObject({ loc: ['query', loc], msg: expect.any(String) });
      expect(entry.msg.length).toBeGreaterThan(3);
      if (type) expect(entry.type).toBe(type);
    } else {
      expect(body).toEqual({ detail: expect.any(String) });
    }
  });

  it('leaves the database intact after the SQL-looking inputs', async () => {
    const res = await app.request('/api/v1/data_status');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      first_date: null,
      last_date: null,
      sensor_records: 0,
      utilization_records: 0,
      alert_records: 0,
      program_records: 0,
      energy_records: 0,
    });
  });

  it('answers start > end with 200 []', async () => {
    const res = await app.request(
      '/api/v1/machine_changes?start=2024-01-02T00:00:00&end=2024-01-01T23:00:00',
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
  });

  it('answers an unknown path 404 in the error shape', async () => {
    const res = await app.request('/api/v1/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Not Found' });
  });

  it('answers another method on a known path 405, and HEAD like GET without a body', async () => {
    const post = await app.request('/api/v1/data_status', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toContain('GET');
    expect(await post.json()).toEqual({ detail: 'Method Not Allowed' });
    const head = await app.request('/api/v1/data_status', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers OPTIONS without Origin (not a CORS preflight) 204 with the methods of the path', async () => {
    for (const path of ['/api/v1/data_status', '/api/v2/runs', '/openapi.json']) {
      const res = await app.request(path, { method: 'OPTIONS' });
      expect(res.status, path).toBe(204);
      expect(res.headers.get('allow'), path).toBe('GET, HEAD, OPTIONS');
      expect(await res.text()).toBe('');
    }
    expect((await app.request('/api/v1/nope', { method: 'OPTIONS' })).status).toBe(404);
  });

  it('reports every bad parameter of a request at once', async () => {
    const res = await app.request(`/api/v2/temperature?from=nope&to=2024-02-30&machine=${'m'.repeat(200)}`);
    expect(res.status).toBe(422);
    const { detail } = (await res.json()) as { detail: Array<{ loc: string[] }> };
    expect(detail.map((d) => d.loc[1]).sort()).toEqual(['from', 'machine', 'to']);
  });
});
