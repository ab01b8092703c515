import type { AggDatabase, RawDatabase } from '@mm/db';
import { recordDataSpans } from '@mm/etl';
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
  await Promise.all([
    seedFallBackDay(agg.db),
    seedLedger(agg.db),
    recordDataSpans(agg.db, [
      {
        machineId: 'press-07',
        span: { first: Date.parse('2024-10-26T07:00:00Z'), last: Date.parse('2024-11-05T10:59:00Z') },
        checkedAt: new Date('2024-11-05T12:00:00Z'),
      },
    ]),
  ]);
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
        motors: [
          { variable: 'AXIS_X_MOTOR_UTILIZACION', rated_kw: 15.1 },
          { variable: 'AXIS_Y_MOTOR_UTILIZATION', rated_kw: 15.1 },
          { variable: 'AXIS_Z_MOTOR_UTILIZACION', rated_kw: 15.71 },
          { variable: 'SPINDLE_LOAD_1', rated_kw: 37 },
        ],
      },
      {
        id: 'mazak01',
        name: 'Mazak Integrex',
        timezone: 'UTC',
        profile: 'mtconnect',
        temperature_sensors: ['Stemp'],
        motors: [],
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

  it('machine_util: each day carries its four shares, by v1 percentages’ one rounding rule', async () => {
    const [row] = (await get('/api/v2/machine_util?from=2024-10-27&to=2024-10-27')).body;
    // 36,000 s running, 18,018 s idle, 35,982 s off of a 90,000 s (25 h) day, nothing unknown.
    expect(row.shares).toEqual({ running: 40, idle: 20.02, off: 39.98, unknown: 0 });
    expect(row.hours).toEqual({ running: 10, idle: 5.01, off: 10, unknown: 0 });
    expect(row.shares.running).toBe(row.running_percentage);
    expect(row.shares.off).toBe(row.down_percentage);
    // v1 stays as it was: the same row without shares.
    const [v1] = (await get('/api/v1/machine_util?target_date=2024-10-27')).body;
    expect(v1).not.toHaveProperty('shares');
    const { shares: _, hours: __, ...rest } = row;
    expect(v1).toEqual(rest);
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

  it('pages by machine when the grid would pass 2000 cells, and refuses only a page_size that cannot fit', async () => {
    // A year is 1830 cells per machine: one machine per page.
    const year = await get('/api/v2/runs?from=2024-01-01&to=2024-12-31');
    expect(year.status).toBe(200);
    expect(year.body).toMatchObject({ total_machines: 2, page: 1, page_size: 1, pages: 2 });
    expect(year.body.machines.map((m: { machine: string }) => m.machine)).toEqual(['press-07']);
    expect(year.body.machines[0].days).toHaveLength(366);
    const second = await get('/api/v2/runs?from=2024-01-01&to=2024-12-31&page=2');
    expect(second.body.machines.map((m: { machine: string }) => m.machine)).toEqual(['mazak01']);
    expect((await get('/api/v2/runs?from=2024-01-01&to=2024-12-31&page=3')).body).toMatchObject({
      page: 3,
      pages: 2,
      machines: [],
    });
    // Small requests are answered whole, as before paging existed.
    expect((await get('/api/v2/runs?from=2024-01-01&to=2024-07-18')).body).toMatchObject({
      page: 1,
      page_size: 2,
      pages: 1,
    });
    const tooMany = await get('/api/v2/runs?from=2024-01-01&to=2024-12-31&page_size=2');
    expect(tooMany).toEqual({
      status: 422,
      body: {
        detail: [
          {
            loc: ['query', 'page_size'],
            msg: '2 machines x 5 ETLs x 366 days is more than the 2000 cells per answer: at most 1 machines per page for this range',
            type: 'value_error',
          },
        ],
      },
    });
    expect((await get('/api/v2/runs?from=2024-01-01&to=2024-01-02&page_size=0')).status).toBe(422);
  });

  it("gives each machine's recorded data span, unknown until the scheduler has read it", async () => {
    const r = await get('/api/v2/runs?from=2024-11-01&to=2024-11-01');
    expect(r.body.machines.map((m: { data_span: { state: string } }) => m.data_span.state)).toEqual([
      'recorded',
      'unknown',
    ]);
    expect(r.body.machines[0].data_span).toEqual({
      state: 'recorded',
      first_reading: '2024-10-26 09:00:00+02:00',
      last_reading: '2024-11-05 11:59:00+01:00',
      first_day: '2024-10-26',
      last_day: '2024-11-05',
      last_reading_age_seconds: 3660,
      checked_at: '2024-11-05 13:00:00+01:00',
    });
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

describe('GET /api/v2/data_status', () => {
  it("gives v1's data_status of every machine in one call, in configuration order, paged", async () => {
    const r = await get('/api/v2/data_status');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      total: 2,
      page: 1,
      page_size: 100,
      pages: 1,
      machines: [
        { machine: 'press-07', ...(await get('/api/v1/data_status?machine=press-07')).body },
        { machine: 'mazak01', ...(await get('/api/v1/data_status?machine=mazak01')).body },
      ],
    });
    expect(r.body.machines[1]).toEqual({
      machine: 'mazak01',
      first_date: '2024-10-27',
      last_date: '2024-10-27',
      sensor_records: 1,
      utilization_records: 0,
      alert_records: 0,
      program_records: 0,
      energy_records: 0,
    });
    const second = await get('/api/v2/data_status?page=2&page_size=1');
    expect(second.body).toMatchObject({ total: 2, page: 2, page_size: 1, pages: 2 });
    expect(second.body.machines.map((m: { machine: string }) => m.machine)).toEqual(['mazak01']);
    expect((await get('/api/v2/data_status?machine=mazak01')).body.machines).toHaveLength(1);
    expect((await get('/api/v2/data_status?page_size=1001')).status).toBe(422);
    expect((await get('/api/v2/data_status?machine=nope')).status).toBe(404);
  });

  it('v1 data_status agrees with the v_data_status view it replaced', async () => {
    for (const machine of ['press-07', 'mazak01']) {
      const view = await agg.db
        .selectFrom('v_data_status')
        .select([
          'first_date',
          'last_date',
          'sensor_records',
          'utilization_records',
          'alert_records',
          'program_records',
          'energy_records',
        ])
        .where('machine_id', '=', machine)
        .executeTakeFirstOrThrow();
      expect((await get(`/api/v1/data_status?machine=${machine}`)).body, machine).toEqual(view);
    }
  });
});
