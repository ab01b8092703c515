import type { AggDatabase, RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../testing/harness.ts';
import { seedFallBackDay, seedRawStates, utc } from '../testing/seed.ts';

// docs/api.md's v1 contract over HTTP: field names, JSON types, string formats, order, empty-day status,
// the machine parameter, CORS. Aggregates are inserted directly; the fall-back day 2024-10-27 in
// Europe/Madrid has the local hour 02:00 twice.

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let app: ReturnType<typeof testApp>['app'];

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  await Promise.all([seedFallBackDay(agg.db), seedRawStates(raw.db)]);
  app = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url }).app;
});
afterAll(async () => {
  await Promise.all([agg?.drop(), raw?.drop()]);
});

async function get(path: string, init?: RequestInit) {
  const res = await app.request(path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

describe('GET /', () => {
  it('answers a message', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ message: expect.any(String) });
  });
});

describe('GET /api/v1/temperature', () => {
  it('lists the hours of the day by instant, the repeated hour twice with the same naive dt', async () => {
    const r = await get('/api/v1/temperature?target_date=2024-10-27&sensor_name=TEMPERATURA_BASE');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body).toEqual([
      {
        dt: '2024-10-27 00:00:00',
        min_value: 21,
        avg_value: 26.5,
        max_value: 31,
        std_dev: null,
        readings_count: 1,
      },
      {
        dt: '2024-10-27 01:00:00',
        min_value: 24,
        avg_value: 29.5,
        max_value: 34,
        std_dev: 1.25,
        readings_count: 60,
      },
      {
        dt: '2024-10-27 02:00:00',
        min_value: 22,
        avg_value: 27.5,
        max_value: 32,
        std_dev: 1.25,
        readings_count: 60,
      },
      {
        dt: '2024-10-27 02:00:00',
        min_value: 20,
        avg_value: 25.5,
        max_value: 30,
        std_dev: 1.25,
        readings_count: 60,
      },
      {
        dt: '2024-10-27 03:00:00',
        min_value: 23,
        avg_value: 28.5,
        max_value: 33,
        std_dev: 1.25,
        readings_count: 60,
      },
    ]);
    // Key order as the original serialised it.
    expect(Object.keys(r.body[0])).toEqual([
      'dt',
      'min_value',
      'avg_value',
      'max_value',
      'std_dev',
      'readings_count',
    ]);
  });

  it("defaults the sensor to the machine's first temperature sensor", async () => {
    const r = await get('/api/v1/temperature?target_date=2024-10-27');
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(5);
    const mazak = await get('/api/v1/temperature?target_date=2024-10-27&machine=mazak01');
    expect(mazak.body).toEqual([
      {
        dt: '2024-10-27 05:00:00',
        min_value: 40,
        avg_value: 41,
        max_value: 42,
        std_dev: 0.5,
        readings_count: 12,
      },
    ]);
  });

  it('is a 404 naming sensor and date on a day without data', async () => {
    const r = await get('/api/v1/temperature?target_date=2024-03-01&sensor_name=TEMPERATURA_BASE');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ detail: 'No temperature data found for TEMPERATURA_BASE on 2024-03-01' });
  });

  it("is a 404 for a sensor not in the machine's profile", async () => {
    for (const sensor of ['Stemp', 'OTHER_SENSOR']) {
      const r = await get(`/api/v1/temperature?target_date=2024-10-27&sensor_name=${sensor}`);
      expect(r.status).toBe(404);
      expect(r.body.detail).toContain(`Unknown sensor '${sensor}' for machine 'press-07'`);
    }
  });
});

describe('GET /api/v1/machine_util', () => {
  it('lists the day with hours and percentages as numbers, extra fields included', async () => {
    const r = await get('/api/v1/machine_util?target_date=2024-10-27');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      {
        dt: '2024-10-27',
        state_running: 10,
        state_planned_down: 10,
        running_percentage: 40,
        down_percentage: 39.98,
        state_unplanned_down: 5.01,
        day_hours: 25,
      },
    ]);
  });

  it('is a 404 for a day without a row', async () => {
    const r = await get('/api/v1/machine_util?target_date=2024-10-28');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ detail: expect.stringContaining('2024-10-28') });
  });
});

describe('GET /api/v1/data_status', () => {
  it('gives first and last aggregated day and counts as numbers', async () => {
    const r = await get('/api/v1/data_status');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      first_date: '2024-10-26',
      last_date: '2024-10-28',
      sensor_records: 7,
      utilization_records: 1,
      alert_records: 4,
      program_records: 5,
      energy_records: 6,
    });
  });

  it('counts per machine', async () => {
    const r = await get('/api/v1/data_status?machine=mazak01');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      first_date: '2024-10-27',
      last_date: '2024-10-27',
      sensor_records: 1,
      utilization_records: 0,
      alert_records: 0,
      program_records: 0,
      energy_records: 0,
    });
  });
});

describe('GET /api/v1/machine_program', () => {
  it('orders by duration descending and serves integer identifiers as numbers', async () => {
    const r = await get('/api/v1/machine_program?target_date=2024-10-27');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { dt: '2024-10-27', program: 'O1234', duration_seconds: 7200 },
      { dt: '2024-10-27', program: 12, duration_seconds: 3600 },
      { dt: '2024-10-27', program: -5, duration_seconds: 10 },
      { dt: '2024-10-27', program: 7, duration_seconds: 5 },
    ]);
  });

  it('is a 404 on a day without programs', async () => {
    expect((await get('/api/v1/machine_program?target_date=2024-10-28')).status).toBe(404);
  });
});

describe('GET /api/v1/alerts_daily_count', () => {
  it('orders by amount descending (ties by severity)', async () => {
    const r = await get('/api/v1/alerts_daily_count?target_date=2024-10-27');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { day: '2024-10-27', alert_type: 'warning', amount: 5 },
      { day: '2024-10-27', alert_type: 'error', amount: 3 },
      { day: '2024-10-27', alert_type: 'other', amount: 3 },
      { day: '2024-10-27', alert_type: 'emergency', amount: 1 },
    ]);
  });

  it('is [] on an empty day', async () => {
    const r = await get('/api/v1/alerts_daily_count?target_date=2024-10-28');
    expect(r).toMatchObject({ status: 200, body: [] });
  });
});

describe('GET /api/v1/alerts_detail', () => {
  it('orders by instant (02:40 CEST before 02:30 CET), stored ids, fractions only when not zero', async () => {
    const r = await get('/api/v1/alerts_detail?target_date=2024-10-27');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      {
        id: utc('2024-10-27T00:40:00') * 1000,
        dt: '2024-10-27 02:40:00',
        alert_type: 'emergency',
        alarm_code: '250-1398',
        alarm_description: 'Parada de EMERGENCIA',
      },
      {
        id: utc('2024-10-27T01:30:00') * 1000,
        dt: '2024-10-27 02:30:00',
        alert_type: 'error',
        alarm_code: 'PLC00054',
        alarm_description: 'Poti Avance = 0 !',
      },
      {
        id: utc('2024-10-27T11:17:57.265') * 1000,
        dt: '2024-10-27 12:17:57.265000',
        alert_type: 'error',
        alarm_code: null,
        alarm_description: 'Fallo "cabezal"',
      },
      {
        id: utc('2024-10-27T11:17:57.265') * 1000 + 1,
        dt: '2024-10-27 12:17:57.265000',
        alert_type: 'error',
        alarm_code: 'E2',
        alarm_description: null,
      },
      {
        id: utc('2024-10-27T12:00:00') * 1000 + 5,
        dt: '2024-10-27 13:00:00.000001',
        alert_type: 'error',
        alarm_code: 'E3',
        alarm_description: 'Error de microsegundo',
      },
    ]);
    expect(r.text).toContain(`"id":${utc('2024-10-27T00:40:00') * 1000},`);
  });

  it('is [] on an empty day', async () => {
    expect(await get('/api/v1/alerts_detail?target_date=2024-10-28')).toMatchObject({
      status: 200,
      body: [],
    });
  });
});

describe('GET /api/v1/energy_consumption', () => {
  it('lists the hours by instant with naive hour_ts', async () => {
    const r = await get('/api/v1/energy_consumption?target_date=2024-10-27');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { hour_ts: '2024-10-27 00:00:00', energy_kwh: 2.5 },
      { hour_ts: '2024-10-27 01:00:00', energy_kwh: 5.5 },
      { hour_ts: '2024-10-27 02:00:00', energy_kwh: 3.5 },
      { hour_ts: '2024-10-27 02:00:00', energy_kwh: 1.5 },
      { hour_ts: '2024-10-27 03:00:00', energy_kwh: 4.5 },
    ]);
  });

  it('puts an hour in the local day it starts in', async () => {
    const r = await get('/api/v1/energy_consumption?target_date=2024-10-28');
    expect(r.body).toEqual([{ hour_ts: '2024-10-28 00:00:00', energy_kwh: 99 }]);
  });

  it('is [] on an empty day', async () => {
    expect(await get('/api/v1/energy_consumption?target_date=2024-03-01')).toMatchObject({
      status: 200,
      body: [],
    });
  });
});

describe('GET /api/v1/machine_changes', () => {
  it('reads the state signal from the raw database: aware ts in the machine zone, NaN and NULL as null', async () => {
    const r = await get('/api/v1/machine_changes?start=2024-10-27%2000:00:00&end=2024-10-27T03:00:00');
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { ts: '2024-10-27 02:40:00.123000+02:00', value: 0 },
      { ts: '2024-10-27 02:30:00+01:00', value: null },
      { ts: '2024-10-27 03:00:00+01:00', value: null },
    ]);
  });

  it('honours offsets and Z, and reads an unencoded + (a space) as an offset', async () => {
    const expected = [
      { ts: '2024-10-26 23:59:59.999000+02:00', value: 255 },
      { ts: '2024-10-27 02:40:00.123000+02:00', value: 0 },
    ];
    for (const start of [
      '2024-10-26T21:59:59.999Z',
      '2024-10-26T23:59:59.999%2B02:00',
      '2024-10-26T23:59:59.999+02:00',
      '2024-10-26 23:59:59.999',
    ]) {
      const r = await get(`/api/v1/machine_changes?start=${start}&end=2024-10-27T00:40:00.123Z`);
      expect(r, start).toMatchObject({ status: 200, body: expected });
    }
    // One microsecond later excludes the first reading; one before the end excludes the last.
    const narrow = await get(
      '/api/v1/machine_changes?start=2024-10-26T21:59:59.999001Z&end=2024-10-27T00:40:00.122999Z',
    );
    expect(narrow.body).toEqual([]);
  });

  it('serves string states as logged on an MTConnect machine', async () => {
    const r = await get(
      '/api/v1/machine_changes?machine=mazak01&start=2024-10-27T08:00:00&end=2024-10-27T10:00:00',
    );
    expect(r.body).toEqual([
      { ts: '2024-10-27 08:00:00+00:00', value: 'ACTIVE' },
      { ts: '2024-10-27 09:00:00+00:00', value: 'UNAVAILABLE' },
      { ts: '2024-10-27 10:00:00+00:00', value: null },
    ]);
  });

  it('is [] when start is after end (dashboards send such windows around midnight)', async () => {
    const r = await get('/api/v1/machine_changes?start=2024-10-27T23:50:00&end=2024-10-27T00:10:00');
    expect(r).toMatchObject({ status: 200, body: [] });
  });

  it('is a 422 for a window over 7 days, and accepts exactly 7 days', async () => {
    const tooLong = await get(
      '/api/v1/machine_changes?start=2024-10-20T00:00:00Z&end=2024-10-27T00:00:00.001Z',
    );
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.detail[0]).toMatchObject({ loc: ['query', 'end'], type: 'value_error' });
    const week = await get('/api/v1/machine_changes?start=2024-10-20T02:00:00Z&end=2024-10-27T02:00:00Z');
    expect(week.status).toBe(200);
    expect(week.body).toHaveLength(4); // 21:59:59.999Z through 02:00Z, the end included
  });
});

describe('GET /api/status', () => {
  it('is ok when both databases answer', async () => {
    const r = await get('/api/status');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      status: 'ok',
      database: 'connected',
      version: '0.1.0-test',
      checks: { aggregation_db: 'ok', raw_db: 'ok' },
    });
  });
});

describe('the machine parameter', () => {
  const endpoints = [
    '/',
    '/api/status',
    '/api/v1/temperature?target_date=2024-10-27',
    '/api/v1/machine_util?target_date=2024-10-27',
    '/api/v1/data_status',
    '/api/v1/machine_changes?start=2024-10-27T00:00:00&end=2024-10-27T01:00:00',
    '/api/v1/machine_program?target_date=2024-10-27',
    '/api/v1/alerts_daily_count?target_date=2024-10-27',
    '/api/v1/alerts_detail?target_date=2024-10-27',
    '/api/v1/energy_consumption?target_date=2024-10-27',
  ];

  it.each(endpoints)('%s: an unknown machine is a 404 naming it', async (path) => {
    const r = await get(`${path}${path.includes('?') ? '&' : '?'}machine=x`);
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ detail: "Unknown machine 'x'" });
  });

  it('defaults to the first configured machine and selects another', async () => {
    const first = await get('/api/v1/energy_consumption?target_date=2024-10-27');
    const explicit = await get('/api/v1/energy_consumption?target_date=2024-10-27&machine=press-07');
    expect(explicit.body).toEqual(first.body);
    const other = await get('/api/v1/energy_consumption?target_date=2024-10-27&machine=mazak01');
    expect(other.body).toEqual([]);
  });
});

describe('CORS', () => {
  const preflight = (origin: string) =>
    app.request('/api/v1/temperature?target_date=2024-10-27', {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'content-type',
      },
    });

  it('answers the preflight of an allowed origin (Content-Type: application/json triggers one)', async () => {
    const res = await preflight('http://localhost:3000');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(res.headers.get('access-control-allow-methods')).toContain('GET');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type');
  });

  it('refuses the preflight of another origin, without CORS headers', async () => {
    const res = await preflight('http://evil.example');
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('marks a GET from an allowed origin, not from another', async () => {
    const ok = await app.request('/api/v1/alerts_detail?target_date=2024-10-27', {
      headers: { Origin: 'http://localhost:3000', 'Content-Type': 'application/json' },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    const other = await app.request('/api/v1/alerts_detail?target_date=2024-10-27', {
      headers: { Origin: 'http://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
