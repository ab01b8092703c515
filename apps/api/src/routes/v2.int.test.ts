import type { AggDatabase, RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../testing/harness.ts';
import { ledgerNow, seedFallBackDay, seedLedger } from '../testing/seed.ts';

// The endpoints beyond the original: machines, date ranges, and the run-ledger grid.

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let app: ReturnType<typeof testApp>['app'];

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  await Promise.all([seedFallBackDay(agg.db), seedLedger(agg.db)]);
  app = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url, deps: { now: () => ledgerNow } }).app;
});
afterAll(async () => {
  await Promise.all([agg?.drop(), raw?.drop()]);
});

async function get(path: string) {
  const res = await app.request(path);
  // biome-ignore lint/suspicious/noExplicitAny: a JSON document the test explores field by field
  return { status: res.status, body: (await res.json()) as any };
}

describe('GET /api/v2/machines', () => {
  it('lists the configured machines, first the default, without database URLs', async () => {
    const res = await app.request('/api/v2/machines');
    const text = await res.text();
    expect(JSON.parse(text)).toEqual([
      {
        id: 'press-07',
        name: 'Press 07',
        timezone: 'Europe/Madrid',
        profile: 'logger',
        temperature_sensors: ['TEMPERATURA_BASE'],
      },
      {
        id: 'mazak01',
        name: 'Mazak Integrex',
        timezone: 'UTC',
        profile: 'mtconnect',
        temperature_sensors: ['Stemp'],
      },
    ]);
    expect(text).not.toContain('postgres://');
  });
});

describe('range endpoints', () => {
  it('temperature: the hours of every day, by instant, with an unambiguous ts', async () => {
    const r = await get('/api/v2/temperature?from=2024-10-26&to=2024-10-27');
    expect(r.status).toBe(200);
    expect(r.body.map((h: { dt: string; ts: string }) => [h.dt, h.ts])).toEqual([
      ['2024-10-26 23:00:00', '2024-10-26 23:00:00+02:00'],
      ['2024-10-27 00:00:00', '2024-10-27 00:00:00+02:00'],
      ['2024-10-27 01:00:00', '2024-10-27 01:00:00+02:00'],
      ['2024-10-27 02:00:00', '2024-10-27 02:00:00+02:00'],
      ['2024-10-27 02:00:00', '2024-10-27 02:00:00+01:00'],
      ['2024-10-27 03:00:00', '2024-10-27 03:00:00+01:00'],
    ]);
    expect(r.body[1]).toEqual({
      dt: '2024-10-27 00:00:00',
      ts: '2024-10-27 00:00:00+02:00',
      min_value: 21,
      avg_value: 26.5,
      max_value: 31,
      std_dev: null,
      readings_count: 1,
    });
  });

  it('machine_util, machine_program, alerts_daily_count and energy over a range', async () => {
    expect((await get('/api/v2/machine_util?from=2024-10-01&to=2024-10-31')).body).toEqual([
      expect.objectContaining({ dt: '2024-10-27', day_hours: 25, state_unplanned_down: 5.01 }),
    ]);
    expect((await get('/api/v2/machine_program?from=2024-10-26&to=2024-10-27')).body).toEqual([
      { dt: '2024-10-26', program: 99, duration_seconds: 50 },
      { dt: '2024-10-27', program: 'O1234', duration_seconds: 7200 },
      { dt: '2024-10-27', program: 12, duration_seconds: 3600 },
      { dt: '2024-10-27', program: -5, duration_seconds: 10 },
      { dt: '2024-10-27', program: 7, duration_seconds: 5 },
    ]);
    expect((await get('/api/v2/alerts_daily_count?from=2024-10-27&to=2024-10-27')).body[0]).toEqual({
      day: '2024-10-27',
      alert_type: 'warning',
      amount: 5,
    });
    const energy = await get('/api/v2/energy_consumption?from=2024-10-28&to=2024-10-28');
    expect(energy.body).toEqual([
      { hour_ts: '2024-10-28 00:00:00', ts: '2024-10-28 00:00:00+01:00', energy_kwh: 99 },
    ]);
  });

  it('are [] (not 404) when empty, and accept exactly 366 days', async () => {
    for (const path of [
      'machine_util',
      'machine_program',
      'alerts_daily_count',
      'energy_consumption',
      'temperature',
    ]) {
      const r = await get(`/api/v2/${path}?from=2023-01-01&to=2024-01-01`);
      expect(r, path).toEqual({ status: 200, body: [] });
    }
  });
});

describe('GET /api/v2/runs', () => {
  it('builds the (machine x ETL x day) grid with statuses, freshness and short errors', async () => {
    const r = await get('/api/v2/runs?from=2024-11-01&to=2024-11-05&machine=press-07');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      from: '2024-11-01',
      to: '2024-11-05',
      generated_at: '2024-11-05 12:00:00+00:00',
      stale_rules: { partial_after_seconds: 7200, running_after_seconds: 3600 },
      etls: ['sensor-stats', 'machine-activity', 'programs', 'alerts', 'energy'],
    });
    expect(r.body.machines).toHaveLength(1);
    const press = r.body.machines[0];
    expect(press.freshness).toEqual({
      last_success_at: '2024-11-05 12:00:00+01:00',
      last_success_age_seconds: 3600,
      last_complete_day: '2024-11-01',
      horizon: '2024-11-05 11:59:00+01:00',
    });
    const statuses = press.days.map((d: { day: string; status: string; etls: Array<{ status: string }> }) => [
      d.day,
      d.status,
      d.etls.map((e) => e.status).join(','),
    ]);
    expect(statuses).toEqual([
      ['2024-11-01', 'complete', 'complete,complete,complete,complete,complete'],
      ['2024-11-02', 'failed', 'failed,complete,complete,complete,complete'],
      ['2024-11-03', 'stale', 'complete,running,stale,complete,complete'],
      ['2024-11-04', 'stale', 'missing,complete,complete,stale,partial'],
      ['2024-11-05', 'missing', 'missing,missing,missing,missing,missing'],
    ]);
    expect(press.counts).toEqual({ failed: 1, stale: 2, missing: 6, running: 1, partial: 1, complete: 14 });
    expect(press.days[1].etls[0]).toEqual({
      etl: 'sensor-stats',
      status: 'failed',
      started_at: '2024-11-02 01:59:00+01:00',
      finished_at: '2024-11-02 02:00:00+01:00',
      rows: 0,
      rows_read: 1000,
      attempts: 3,
      error: 'boom: relation x does not exist',
    });
    expect(press.days[2].etls[1]).toMatchObject({ status: 'running', finished_at: null });
    expect(press.days[4].etls[0]).toEqual({
      etl: 'sensor-stats',
      status: 'missing',
      started_at: null,
      finished_at: null,
      rows: null,
      rows_read: null,
      attempts: null,
      error: null,
    });
  });

  it('refuses a grid of more than 2000 cells with a 422 saying the limit and how to narrow it', async () => {
    const year = await get('/api/v2/runs?from=2024-01-01&to=2024-12-31');
    expect(year.status).toBe(422);
    expect(year.body).toEqual({
      detail: [
        {
          loc: ['query', 'to'],
          msg: 'the grid would have 3660 cells (2 machines x 5 ETLs x 366 days), more than the 2000 per request: shorten from..to to at most 200 days, or pass machine (400 days fit for one machine)',
          type: 'value_error',
        },
      ],
    });
    // Both ways out the message names are accepted.
    expect((await get('/api/v2/runs?from=2024-01-01&to=2024-07-18')).status).toBe(200); // 200 days
    expect((await get('/api/v2/runs?from=2024-01-01&to=2024-12-31&machine=press-07')).status).toBe(200);
  });

  it('covers every machine when none is named', async () => {
    const r = await get('/api/v2/runs?from=2024-11-01&to=2024-11-01');
    expect(r.body.machines.map((m: { machine: string }) => m.machine)).toEqual(['press-07', 'mazak01']);
    expect(r.body.machines[1]).toMatchObject({
      freshness: { last_success_at: null, last_complete_day: null },
      counts: { missing: 5 },
    });
  });
});
