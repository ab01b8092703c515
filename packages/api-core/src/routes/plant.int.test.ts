import { machinesFileSchema, resolveMachines } from '@mm/config';
import type { AggDatabase } from '@mm/db';
import { etlIds, recordDataSpans } from '@mm/etl';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { captureLogs } from '../testing/harness.ts';

// GET /api/v2/plant over a plant of eight machines, each in a different situation, read at a pinned
// instant with the default stale rules (partial 2 h, running 1 h):
//   press-07  alarm    latest day 2024-11-04 (partial, refreshed 1 h ago): an emergency and 2 warnings
//   mazak01   failed   energy of 2024-11-02 failed; latest day 2024-11-02
//   lathe-3   stale    2024-11-04 partial, last refreshed 3 h ago
//   mill-9    ok       2024-11-04 complete, no alarm
//   saw-2     no_data  nothing aggregated; the planner found no readings
//   drill-5   no_data  nothing aggregated, never checked: its span is unknown
//   robot-1   ok       warnings only ("Welding Robot")
//   press-08  failed   two failed days, so it ranks before mazak01

const now = new Date('2024-11-05T12:00:00Z');
let agg: TestDatabase<AggDatabase>;
let app: ReturnType<typeof createApp>;
let statements = 0;

const machines = resolveMachines(
  machinesFileSchema.parse({
    machines: [
      {
        id: 'press-07',
        name: 'Press 07',
        rawDatabaseUrl: 'postgres://r@h/a',
        timezone: 'Europe/Madrid',
        profile: 'logger',
      },
      { id: 'mazak01', name: 'Mazak Integrex', rawDatabaseUrl: 'postgres://r@h/b', profile: 'mtconnect' },
      {
        id: 'lathe-3',
        name: 'Lathe 3',
        rawDatabaseUrl: 'postgres://r@h/a',
        timezone: 'America/New_York',
        profile: 'logger',
      },
      {
        id: 'mill-9',
        name: 'mill 9',
        rawDatabaseUrl: 'postgres://r@h/a',
        timezone: 'UTC',
        profile: 'logger',
      },
      {
        id: 'saw-2',
        name: 'Saw 2',
        rawDatabaseUrl: 'postgres://r@h/b',
        timezone: 'Asia/Tokyo',
        profile: 'mtconnect',
      },
      {
        id: 'drill-5',
        name: 'Drill 5',
        rawDatabaseUrl: 'postgres://r@h/a',
        timezone: 'Europe/Madrid',
        profile: 'logger',
      },
      {
        id: 'robot-1',
        name: 'Welding Robot',
        rawDatabaseUrl: 'postgres://r@h/a',
        timezone: 'UTC',
        profile: 'logger',
      },
      {
        id: 'press-08',
        name: 'Press 08',
        rawDatabaseUrl: 'postgres://r@h/a',
        timezone: 'Europe/Madrid',
        profile: 'logger',
      },
    ],
  }),
);

type RunOverride = Partial<{
  status: 'succeeded' | 'failed' | 'running';
  complete: boolean;
  started_at: string;
  finished_at: string | null;
  error: string;
}>;

/** The five ledger rows of a machine's day: complete successes, unless overridden per ETL. */
function day(machine: string, date: string, all: RunOverride = {}, perEtl: Record<string, RunOverride> = {}) {
  return etlIds.map((etl) => ({
    machine_id: machine,
    etl,
    day: date,
    status: 'succeeded' as const,
    complete: true,
    horizon: '2024-11-05T10:00:00Z',
    warnings: '[]',
    rows_read: 0,
    invalid_skipped: 0,
    rows_written: 0,
    started_at: `${date}T23:59:00Z`,
    finished_at: `${date}T23:59:30Z`,
    ...all,
    ...perEtl[etl],
  }));
}

async function seed(db: Kysely<AggDatabase>) {
  const partial = (finished: string) => ({ complete: false, started_at: finished, finished_at: finished });
  await db
    .insertInto('etl_runs')
    .values([
      ...day('press-07', '2024-11-03'),
      ...day('press-07', '2024-11-04', partial('2024-11-05T11:00:00Z')),
      ...day('mazak01', '2024-11-01'),
      ...day('mazak01', '2024-11-02', {}, { energy: { status: 'failed', complete: false, error: 'boom' } }),
      ...day('lathe-3', '2024-11-04', partial('2024-11-05T09:00:00Z')),
      ...day('mill-9', '2024-11-04'),
      ...day('robot-1', '2024-11-04'),
      ...day('press-08', '2024-11-01', { status: 'failed', complete: false }),
      ...day('press-08', '2024-11-02', {}, { alerts: { status: 'failed', complete: false } }),
    ])
    .execute();
  // press-07's 2024-11-04 (Europe/Madrid): 6 h running, 3 h idle, 2 h off of 24, up to 11:00 local.
  await db
    .insertInto('agg_machine_activity_daily')
    .values([
      {
        machine_id: 'press-07',
        day: '2024-11-03',
        running_seconds: 3600,
        unplanned_down_seconds: 0,
        planned_down_seconds: 82_800,
        day_seconds: 86_400,
      },
      {
        machine_id: 'press-07',
        day: '2024-11-04',
        running_seconds: 21_600,
        unplanned_down_seconds: 10_800,
        planned_down_seconds: 7200,
        day_seconds: 86_400,
      },
      {
        machine_id: 'mazak01',
        day: '2024-11-02',
        running_seconds: 43_200,
        unplanned_down_seconds: 0,
        planned_down_seconds: 43_200,
        day_seconds: 86_400,
      },
      {
        machine_id: 'lathe-3',
        day: '2024-11-04',
        running_seconds: 1000,
        unplanned_down_seconds: 0,
        planned_down_seconds: 0,
        day_seconds: 86_400,
      },
      {
        machine_id: 'mill-9',
        day: '2024-11-04',
        running_seconds: 86_400,
        unplanned_down_seconds: 0,
        planned_down_seconds: 0,
        day_seconds: 86_400,
      },
      {
        machine_id: 'robot-1',
        day: '2024-11-04',
        running_seconds: 43_200,
        unplanned_down_seconds: 43_200,
        planned_down_seconds: 0,
        day_seconds: 86_400,
      },
    ])
    .execute();
  await db
    .insertInto('energy_consumption_hourly')
    .values([
      { machine_id: 'press-07', hour_ts: '2024-11-04T07:00:00Z', day: '2024-11-04', energy_kwh: 10.25 },
      { machine_id: 'press-07', hour_ts: '2024-11-04T08:00:00Z', day: '2024-11-04', energy_kwh: 4.5 },
      { machine_id: 'press-07', hour_ts: '2024-11-03T08:00:00Z', day: '2024-11-03', energy_kwh: 99 },
      // mazak01's latest day comes from its energy alone (later than its activity).
      { machine_id: 'mazak01', hour_ts: '2024-11-02T08:00:00Z', day: '2024-11-02', energy_kwh: 1 },
    ])
    .execute();
  await db
    .insertInto('alerts_daily_count')
    .values([
      { machine_id: 'press-07', day: '2024-11-04', alert_type: 'emergency', amount: 1 },
      { machine_id: 'press-07', day: '2024-11-04', alert_type: 'warning', amount: 2 },
      { machine_id: 'press-07', day: '2024-11-03', alert_type: 'error', amount: 7 },
      { machine_id: 'robot-1', day: '2024-11-04', alert_type: 'warning', amount: 4 },
    ])
    .execute();
  const alarm = (ts: string, type: 'emergency' | 'error', code: string, day: string) => ({
    machine_id: 'press-07',
    id: Date.parse(ts) * 1000,
    day,
    alert_ts: ts,
    alert_type: type,
    alarm_code: code,
    alarm_description: `${code} description`,
    source_variable: 'ALARMS',
    raw: '[]',
  });
  await db
    .insertInto('alerts_detail')
    .values([
      alarm('2024-11-04T08:15:00.250Z', 'emergency', 'E1', '2024-11-04'),
      alarm('2024-11-03T08:15:00Z', 'error', 'E9', '2024-11-03'),
    ])
    .execute();
  await recordDataSpans(db, [
    {
      machineId: 'press-07',
      span: { first: Date.parse('2024-10-01T06:00:00Z'), last: Date.parse('2024-11-05T10:00:00Z') },
      checkedAt: new Date('2024-11-05T11:59:00Z'),
    },
    {
      machineId: 'mazak01',
      span: { first: Date.parse('2024-11-01T00:00:00Z'), last: Date.parse('2024-11-02T20:00:00Z') },
      checkedAt: new Date('2024-11-05T11:59:00Z'),
    },
    {
      machineId: 'mill-9',
      span: { first: Date.parse('2024-11-04T00:00:00Z'), last: Date.parse('2024-11-05T11:00:00Z') },
      checkedAt: new Date('2024-11-05T11:59:00Z'),
    },
    {
      machineId: 'robot-1',
      span: { first: Date.parse('2024-11-04T00:00:00Z'), last: Date.parse('2024-11-05T08:00:00Z') },
      checkedAt: new Date('2024-11-05T11:59:00Z'),
    },
    { machineId: 'saw-2', span: null, checkedAt: new Date('2024-11-05T11:59:00Z') },
  ]);
}

beforeAll(async () => {
  agg = await createTestDatabase('agg');
  await seed(agg.db);
  // Every statement the app sends to the aggregation database, counted.
  const counted = agg.db.withPlugin({
    transformQuery: (args) => {
      statements += 1;
      return args.node;
    },
    transformResult: async (args) => args.result,
  });
  app = createApp({
    config: { machines, corsOrigins: [], admin: null },
    aggDb: counted,
    rawDbFor: () => {
      throw new Error('the plant endpoint never opens a raw database');
    },
    logger: captureLogs().logger,
    now: () => now,
  });
});
afterAll(() => agg?.drop());

// biome-ignore lint/suspicious/noExplicitAny: a JSON document the test explores field by field
async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await app.request(path);
  return { status: res.status, body: await res.json() };
}
const ids = (body: { machines: Array<{ machine: string }> }) => body.machines.map((m) => m.machine);

describe('GET /api/v2/plant', () => {
  it('ranks problems first: failed (most failed days first), stale, alarm, no data, ok; ties in configuration order', async () => {
    const r = await get('/api/v2/plant');
    expect(r.status).toBe(200);
    expect(ids(r.body)).toEqual([
      'press-08',
      'mazak01',
      'lathe-3',
      'press-07',
      'saw-2',
      'drill-5',
      'mill-9',
      'robot-1',
    ]);
    expect(r.body.machines.map((m: { status: string }) => m.status)).toEqual([
      'failed',
      'failed',
      'stale',
      'alarm',
      'no_data',
      'no_data',
      'ok',
      'ok',
    ]);
    expect(r.body).toMatchObject({
      generated_at: '2024-11-05 12:00:00+00:00',
      stale_rules: { partial_after_seconds: 7200, running_after_seconds: 3600 },
      total: 8,
      page: 1,
      page_size: 50,
      pages: 1,
      counts: { failed: 2, stale: 1, alarm: 1, no_data: 2, ok: 2 },
    });
    expect(r.body.machines[0].problems).toEqual({
      failed_slices: 6,
      failed_days: 2,
      stale_slices: 0,
      stale_days: 0,
    });
    expect(r.body.machines[2].problems).toEqual({
      failed_slices: 0,
      failed_days: 0,
      stale_slices: 5,
      stale_days: 1,
    });
  });

  it("gives each machine's latest day: shares, hours, energy, alarms, the day's pipeline and the data span", async () => {
    const press = (await get('/api/v2/plant?machine=press-07')).body.machines[0];
    expect(press).toEqual({
      machine: 'press-07',
      name: 'Press 07',
      timezone: 'Europe/Madrid',
      profile: 'logger',
      status: 'alarm',
      problems: { failed_slices: 0, failed_days: 0, stale_slices: 0, stale_days: 0 },
      latest_day: {
        day: '2024-11-04',
        day_hours: 24,
        // 21600 / 86400 = 25 %, 10800 / 86400 = 12.5 %, 7200 / 86400 = 8.33 %, the rest 54.17 %.
        shares: { running: 25, idle: 12.5, off: 8.33, unknown: 54.17 },
        hours: { running: 6, idle: 3, off: 2, unknown: 13 },
        energy_kwh: 14.75, // 10.25 + 4.5; the 3rd's 99 is another day
        alerts: { emergency: 1, error: 0, warning: 2, other: 0 },
        latest_critical: {
          dt: '2024-11-04 09:15:00.250000',
          ts: '2024-11-04 09:15:00.250000+01:00',
          alert_type: 'emergency',
          alarm_code: 'E1',
          alarm_description: 'E1 description',
        },
        pipeline: {
          status: 'partial',
          etls: Object.fromEntries(etlIds.map((e) => [e, 'partial'])),
          refreshed_at: '2024-11-05 12:00:00+01:00',
          refreshed_age_seconds: 3600,
          horizon: '2024-11-05 11:00:00+01:00',
        },
      },
      data_span: {
        state: 'recorded',
        first_reading: '2024-10-01 08:00:00+02:00',
        last_reading: '2024-11-05 11:00:00+01:00',
        first_day: '2024-10-01',
        last_day: '2024-11-05',
        last_reading_age_seconds: 7200,
        checked_at: '2024-11-05 12:59:00+01:00',
      },
    });
  });

  it('says honestly what it does not know: no aggregates, no readings, a span never checked', async () => {
    const r = await get('/api/v2/plant?status=no_data');
    expect(ids(r.body)).toEqual(['saw-2', 'drill-5']);
    const [saw, drill] = r.body.machines;
    expect(saw.latest_day).toBeNull();
    expect(saw.data_span).toEqual({
      state: 'no_readings',
      first_reading: null,
      last_reading: null,
      first_day: null,
      last_day: null,
      last_reading_age_seconds: null,
      checked_at: '2024-11-05 20:59:00+09:00',
    });
    expect(drill.data_span).toMatchObject({ state: 'unknown', checked_at: null, last_reading: null });
    // mazak01: the day has an energy row but no activity row; its failed ETL makes the day failed.
    const mazak = (await get('/api/v2/plant?machine=mazak01')).body.machines[0];
    expect(mazak.latest_day).toMatchObject({
      day: '2024-11-02',
      shares: { running: 50, idle: 0, off: 50, unknown: 0 },
      energy_kwh: 1,
      alerts: { emergency: 0, error: 0, warning: 0, other: 0 },
      latest_critical: null,
    });
    expect(mazak.latest_day.pipeline.status).toBe('failed');
    expect(mazak.latest_day.pipeline.etls.energy).toBe('failed');
    // lathe-3's motors held no valid value that day: 0 kWh, not unknown.
    expect((await get('/api/v2/plant?machine=lathe-3')).body.machines[0].latest_day.energy_kwh).toBe(0);
    // robot-1: warnings alone are no alarm.
    expect((await get('/api/v2/plant?machine=robot-1')).body.machines[0]).toMatchObject({
      status: 'ok',
      latest_day: { alerts: { warning: 4 }, latest_critical: null },
    });
  });

  it('filters by text, status, time zone and profile; counts follow every filter but status', async () => {
    const press = await get('/api/v2/plant?q=PRESS');
    expect(ids(press.body)).toEqual(['press-08', 'press-07']);
    expect(press.body.counts).toEqual({ failed: 1, stale: 0, alarm: 1, no_data: 0, ok: 0 });
    expect(ids((await get('/api/v2/plant?q=welding')).body)).toEqual(['robot-1']);
    expect(ids((await get('/api/v2/plant?q=%20mill%20')).body)).toEqual(['mill-9']);

    const problems = await get('/api/v2/plant?status=failed,stale');
    expect(ids(problems.body)).toEqual(['press-08', 'mazak01', 'lathe-3']);
    expect(problems.body.total).toBe(3);
    expect(problems.body.counts).toEqual({ failed: 2, stale: 1, alarm: 1, no_data: 2, ok: 2 });

    expect(ids((await get('/api/v2/plant?timezone=Europe/Madrid')).body)).toEqual([
      'press-08',
      'press-07',
      'drill-5',
    ]);
    // Intl's spelling rules: the canonical zone of a lowercase name.
    expect(ids((await get('/api/v2/plant?timezone=europe/madrid')).body)).toEqual([
      'press-08',
      'press-07',
      'drill-5',
    ]);
    expect((await get('/api/v2/plant?timezone=Pacific/Auckland')).body).toMatchObject({
      total: 0,
      pages: 0,
      machines: [],
    });
    expect(ids((await get('/api/v2/plant?profile=mtconnect')).body)).toEqual(['mazak01', 'saw-2']);
    expect(ids((await get('/api/v2/plant?profile=logger&timezone=UTC&status=ok')).body)).toEqual([
      'mill-9',
      'robot-1',
    ]);
  });

  it('sorts by configuration order, id, name, running share and data age, either way', async () => {
    const order = async (query: string) => ids((await get(`/api/v2/plant?${query}`)).body);
    const config = machines.map((m) => m.id);
    expect(await order('sort=config')).toEqual(config);
    expect(await order('sort=config&order=desc')).toEqual([...config].reverse());
    expect(await order('sort=id')).toEqual([...config].sort());
    expect(await order('sort=name')).toEqual([
      'drill-5',
      'lathe-3',
      'mazak01',
      'mill-9',
      'press-07',
      'press-08',
      'saw-2',
      'robot-1',
    ]);
    // Running share of the latest day: lathe-3 1.16 %, press-07 25 %, mazak01 and robot-1 50 %, mill-9 100 %;
    // machines without an activity row last, either way.
    expect(await order('sort=running')).toEqual([
      'lathe-3',
      'press-07',
      'mazak01',
      'robot-1',
      'mill-9',
      'saw-2',
      'drill-5',
      'press-08',
    ]);
    expect(await order('sort=running&order=desc')).toEqual([
      'mill-9',
      'mazak01',
      'robot-1',
      'press-07',
      'lathe-3',
      'saw-2',
      'drill-5',
      'press-08',
    ]);
    // Age of the latest reading: mill-9 1 h, press-07 2 h, robot-1 4 h, mazak01 ~2.7 days; unknown last.
    expect(await order('sort=data_age')).toEqual([
      'mill-9',
      'press-07',
      'robot-1',
      'mazak01',
      'lathe-3',
      'saw-2',
      'drill-5',
      'press-08',
    ]);
    expect(await order('sort=data_age&order=desc')).toEqual([
      'mazak01',
      'robot-1',
      'press-07',
      'mill-9',
      'lathe-3',
      'saw-2',
      'drill-5',
      'press-08',
    ]);
    expect(await order('sort=problems&order=desc')).toEqual([
      'mill-9',
      'robot-1',
      'saw-2',
      'drill-5',
      'press-07',
      'lathe-3',
      'mazak01',
      'press-08',
    ]);
  });

  it('pages: page_size machines per page, a page past the last empty', async () => {
    const second = await get('/api/v2/plant?page=2&page_size=3');
    expect(second.body).toMatchObject({ total: 8, page: 2, page_size: 3, pages: 3 });
    expect(ids(second.body)).toEqual(['press-07', 'saw-2', 'drill-5']);
    expect(ids((await get('/api/v2/plant?page=3&page_size=3')).body)).toEqual(['mill-9', 'robot-1']);
    const past = await get('/api/v2/plant?page=9&page_size=3');
    expect(past.status).toBe(200);
    expect(past.body).toMatchObject({ total: 8, page: 9, pages: 3, machines: [], counts: { failed: 2 } });
  });

  it('costs the same few statements whatever the number of machines', async () => {
    await get('/api/v2/plant'); // the migration check, cached afterwards
    statements = 0;
    await get('/api/v2/plant?sort=config&page_size=1');
    const one = statements;
    statements = 0;
    await get('/api/v2/plant?page_size=500');
    // The page and its machines' latest days: two statements, for one machine as for all of them.
    expect([one, statements]).toEqual([2, 2]);
  });

  it('refuses bad parameters with a 422 naming each, an unknown machine with a 404', async () => {
    const bad = async (query: string) => {
      const r = await get(`/api/v2/plant?${query}`);
      expect(r.status, query).toBe(422);
      return r.body.detail.map((d: { loc: string[]; type: string }) => `${d.loc[1]}:${d.type}`);
    };
    expect(await bad('page=0')).toEqual(['page:int_parsing']);
    expect(await bad('page=two&page_size=1.5')).toEqual(['page:int_parsing', 'page_size:int_parsing']);
    expect(await bad('page_size=501')).toEqual(['page_size:less_than_equal']);
    expect(await bad('status=failed,broken')).toEqual(['status:enum']);
    expect(await bad('status=failed&status=ok')).toEqual(['status:repeated']);
    expect(await bad('sort=worst&order=up')).toEqual(['sort:enum', 'order:enum']);
    expect(await bad(`q=${'x'.repeat(101)}`)).toEqual(['q:string_too_long']);
    expect(await bad('timezone=Mars/Olympus_Mons')).toEqual(['timezone:value_error']);
    expect(await bad('profile=fanuc')).toEqual(['profile:value_error']);
    expect(await bad('timezone=Nowhere&profile=fanuc')).toEqual([
      'timezone:value_error',
      'profile:value_error',
    ]);
    const profile = await get('/api/v2/plant?profile=fanuc');
    expect(profile.body.detail[0].msg).toBe(
      'is not the profile of any configured machine (known: logger, mtconnect)',
    );
    expect(await get('/api/v2/plant?machine=nope')).toEqual({
      status: 404,
      body: { detail: "Unknown machine 'nope'" },
    });
  });
});
