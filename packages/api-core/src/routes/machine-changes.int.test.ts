import { machinesFileSchema, resolveMachines } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { captureLogs } from '../testing/harness.ts';
import { utc } from '../testing/seed.ts';

// The state signal read for dashboards over HTTP: `/api/v2/machine_changes` (readable states by the
// profile's running values, the reading in force at `start`), and the `v1Compat` opt-in, which makes
// `/api/v1/machine_changes` and `/api/v1/temperature` answer an MTConnect machine the way the original
// dashboards read a logger machine. Machines without the opt-in answer exactly as before.

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let app: ReturnType<typeof createApp>;

const day = '2024-03-01';

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  await raw.db
    .insertInto('variable')
    .values([
      { id: 3, name: 'MACHINE_IN_OPERATION', datatype: 'java.lang.Double' },
      { id: 4, name: 'execution', datatype: 'java.lang.String' },
    ])
    .execute();
  await raw.db
    .insertInto('variable_log_float')
    .values([
      { id_var: 3, date: utc(`${day}T05:00:00`), value: 255 },
      { id_var: 3, date: utc(`${day}T06:00:00`), value: Number.POSITIVE_INFINITY },
      { id_var: 3, date: utc(`${day}T07:00:00`), value: 128 },
      { id_var: 3, date: utc(`${day}T08:00:00`), value: Number.NaN },
      { id_var: 3, date: utc(`${day}T09:00:00`), value: null },
      { id_var: 3, date: utc(`${day}T10:00:00`), value: 255 },
    ])
    .execute();
  await raw.db
    .insertInto('variable_log_string')
    .values([
      { id_var: 4, date: utc(`${day}T05:00:00`), value: 'READY' },
      { id_var: 4, date: utc(`${day}T06:00:00`), value: 'ACTIVE' },
      { id_var: 4, date: utc(`${day}T07:30:00`), value: 'FEED_HOLD' },
      { id_var: 4, date: utc(`${day}T08:00:00`), value: ' ACTIVE ' },
      { id_var: 4, date: utc(`${day}T12:00:00`), value: 'UNAVAILABLE' },
      { id_var: 4, date: utc(`${day}T13:00:00`), value: '' },
      { id_var: 4, date: utc(`${day}T14:00:00`), value: 'STOPPED' },
    ])
    .execute();
  const stats = { day, min_value: 30, max_value: 34, avg_value: 32, std_dev: 1, readings_count: 12 };
  await agg.db
    .insertInto('agg_sensor_stats')
    .values([
      { machine_id: 'mazak01', sensor_name: 'Stemp', hour_ts: `${day}T06:00:00Z`, ...stats },
      { machine_id: 'mazak02', sensor_name: 'Stemp', hour_ts: `${day}T06:00:00Z`, ...stats },
    ])
    .execute();
  const machines = resolveMachines(
    machinesFileSchema.parse({
      profiles: {
        'no-state': { state: { method: 'gap' } },
        'missing-state': { state: { method: 'state', variable: 'NOPE', runningValues: [1] } },
      },
      machines: [
        // The default machine (first), as the original dashboards never send `machine`.
        { id: 'mazak01', name: 'Mazak', rawDatabaseUrl: raw.url, profile: 'mtconnect', v1Compat: true },
        { id: 'mazak02', name: 'Mazak, as before', rawDatabaseUrl: raw.url, profile: 'mtconnect' },
        {
          id: 'press-07',
          name: 'Press',
          rawDatabaseUrl: raw.url,
          timezone: 'Europe/Madrid',
          profile: 'logger',
          v1Compat: true,
        },
        { id: 'gap-01', name: 'Gap', rawDatabaseUrl: raw.url, profile: 'no-state' },
        { id: 'ghost-01', name: 'Ghost', rawDatabaseUrl: raw.url, profile: 'missing-state' },
      ],
    }),
  );
  app = createApp({
    config: { machines, corsOrigins: [], admin: null },
    aggDb: agg.db,
    rawDbFor: () => raw.db,
    logger: captureLogs().logger,
  });
});
afterAll(async () => {
  await Promise.all([agg?.drop(), raw?.drop()]);
});

async function get(path: string) {
  const res = await app.request(path);
  // biome-ignore lint/suspicious/noExplicitAny: a JSON document the test explores field by field
  return { status: res.status, body: (await res.json()) as any };
}

describe('GET /api/v2/machine_changes', () => {
  it('classifies each reading by the profile, with the reading in force at start', async () => {
    const r = await get(
      `/api/v2/machine_changes?machine=mazak02&start=${day}T06:30:00Z&end=${day}T13:00:00Z`,
    );
    expect(r).toEqual({
      status: 200,
      body: {
        machine: 'mazak02',
        variable: 'execution',
        variable_logged: true,
        at_start: { state: 'running', value: 'ACTIVE', logged_at: '2024-03-01 06:00:00+00:00' },
        changes: [
          { ts: '2024-03-01 07:30:00+00:00', state: 'idle', value: 'FEED_HOLD' },
          { ts: '2024-03-01 08:00:00+00:00', state: 'running', value: ' ACTIVE ' },
          { ts: '2024-03-01 12:00:00+00:00', state: 'off', value: 'UNAVAILABLE' },
          { ts: '2024-03-01 13:00:00+00:00', state: 'off', value: '' },
        ],
      },
    });
  });

  it('on a logger machine: 255 running, other numbers idle, NaN and NULL off, ±Infinity left out', async () => {
    const r = await get(
      `/api/v2/machine_changes?machine=press-07&start=${day}T06:30:00Z&end=${day}T10:00:00Z`,
    );
    expect(r.body).toEqual({
      machine: 'press-07',
      variable: 'MACHINE_IN_OPERATION',
      variable_logged: true,
      // The invalid reading at 06:00 UTC is skipped, as the ETL skips it: 255 from 05:00 UTC holds.
      at_start: { state: 'running', value: 255, logged_at: '2024-03-01 06:00:00+01:00' },
      changes: [
        { ts: '2024-03-01 08:00:00+01:00', state: 'idle', value: 128 },
        { ts: '2024-03-01 09:00:00+01:00', state: 'off', value: null },
        { ts: '2024-03-01 10:00:00+01:00', state: 'off', value: null },
        { ts: '2024-03-01 11:00:00+01:00', state: 'running', value: 255 },
      ],
    });
  });

  it('says when nothing was logged before start, and when the machine has no state signal', async () => {
    const early = await get(
      `/api/v2/machine_changes?machine=mazak02&start=${day}T00:00:00Z&end=${day}T05:00:00Z`,
    );
    expect(early.body).toMatchObject({
      at_start: null,
      changes: [{ ts: '2024-03-01 05:00:00+00:00', state: 'idle', value: 'READY' }],
    });
    expect((await get(`/api/v2/machine_changes?machine=gap-01&start=${day}&end=${day}T12:00`)).body).toEqual({
      machine: 'gap-01',
      variable: null,
      variable_logged: false,
      at_start: null,
      changes: [],
    });
    expect(
      (await get(`/api/v2/machine_changes?machine=ghost-01&start=${day}&end=${day}T12:00`)).body,
    ).toEqual({ machine: 'ghost-01', variable: 'NOPE', variable_logged: false, at_start: null, changes: [] });
  });

  it('is a 422 for end before start, a window over 7 days or an unreadable instant', async () => {
    for (const [window, param] of [
      [`start=${day}T10:00&end=${day}T09:00`, 'end'],
      ['start=2024-03-01&end=2024-03-08T00:00:00.001', 'end'],
      [`start=yesterday&end=${day}`, 'start'],
    ] as const) {
      const r = await get(`/api/v2/machine_changes?${window}`);
      expect(r.status, window).toBe(422);
      expect(r.body.detail[0].loc, window).toEqual(['query', param]);
    }
  });
});

describe('v1 compatibility (`v1Compat` in the machines file)', () => {
  it('machine_changes: 255 / 0 / null, the state at start first, for the default machine', async () => {
    const r = await get(`/api/v1/machine_changes?start=${day} 06:30:00&end=${day} 13:00:00`);
    expect(r).toEqual({
      status: 200,
      body: [
        { ts: '2024-03-01 06:30:00+00:00', value: 255 },
        { ts: '2024-03-01 07:30:00+00:00', value: 0 },
        { ts: '2024-03-01 08:00:00+00:00', value: 255 },
        { ts: '2024-03-01 12:00:00+00:00', value: null },
        { ts: '2024-03-01 13:00:00+00:00', value: null },
      ],
    });
  });

  it('machine_changes: no extra row when a reading is at start; off before the first reading', async () => {
    expect((await get(`/api/v1/machine_changes?start=${day} 06:00:00&end=${day} 07:00:00`)).body).toEqual([
      { ts: '2024-03-01 06:00:00+00:00', value: 255 },
    ]);
    expect((await get(`/api/v1/machine_changes?start=${day} 04:00:00&end=${day} 05:30:00`)).body).toEqual([
      { ts: '2024-03-01 04:00:00+00:00', value: null },
      { ts: '2024-03-01 05:00:00+00:00', value: 0 },
    ]);
    // Start after end is still [] (dashboards send such windows around midnight).
    expect((await get(`/api/v1/machine_changes?start=${day} 23:50:00&end=${day} 00:10:00`)).body).toEqual([]);
  });

  it('machine_changes on a logger machine: idle values become 0, invalid readings are left out', async () => {
    const r = await get(
      `/api/v1/machine_changes?machine=press-07&start=${day}T06:30:00Z&end=${day}T10:00:00Z`,
    );
    expect(r.body).toEqual([
      { ts: '2024-03-01 07:30:00+01:00', value: 255 },
      { ts: '2024-03-01 08:00:00+01:00', value: 0 },
      { ts: '2024-03-01 09:00:00+01:00', value: null },
      { ts: '2024-03-01 10:00:00+01:00', value: null },
      { ts: '2024-03-01 11:00:00+01:00', value: 255 },
    ]);
  });

  it('a machine without the opt-in answers as before: states as logged, no row at start', async () => {
    const r = await get(`/api/v1/machine_changes?machine=mazak02&start=${day} 06:30:00&end=${day} 13:00:00`);
    expect(r.body).toEqual([
      { ts: '2024-03-01 07:30:00+00:00', value: 'FEED_HOLD' },
      { ts: '2024-03-01 08:00:00+00:00', value: ' ACTIVE ' },
      { ts: '2024-03-01 12:00:00+00:00', value: 'UNAVAILABLE' },
      { ts: '2024-03-01 13:00:00+00:00', value: '' },
    ]);
  });

  it('temperature: TEMPERATURA_BASE is the machine’s first sensor, on v1 and with the opt-in only', async () => {
    const expected = [
      {
        dt: '2024-03-01 06:00:00',
        min_value: 30,
        avg_value: 32,
        max_value: 34,
        std_dev: 1,
        readings_count: 12,
      },
    ];
    const compat = await get(`/api/v1/temperature?target_date=${day}&sensor_name=TEMPERATURA_BASE`);
    expect(compat).toEqual({ status: 200, body: expected });
    expect(await get(`/api/v1/temperature?target_date=${day}&sensor_name=Stemp`)).toEqual({
      status: 200,
      body: expected,
    });
    expect(
      await get(`/api/v1/temperature?machine=mazak02&target_date=${day}&sensor_name=TEMPERATURA_BASE`),
    ).toEqual({
      status: 404,
      body: { detail: "Unknown sensor 'TEMPERATURA_BASE' for machine 'mazak02' (known: Stemp)" },
    });
    const v2 = await get(`/api/v2/temperature?from=${day}&to=${day}&sensor_name=TEMPERATURA_BASE`);
    expect(v2.status).toBe(404);
  });
});
