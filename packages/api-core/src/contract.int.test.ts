import { createLogger, machinesFileSchema, resolveMachines } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { etlIds, runEtl } from '@mm/etl';
import { rawBuilder } from '@mm/raw';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { captureLogs } from './testing/harness.ts';

// Contract tests end to end: raw logger data written with @mm/raw's builder, aggregated by the real
// ETLs of @mm/etl (runEtl), served by the API. press-07 (logger, Europe/Madrid) on the fall-back
// day 2024-10-27; mazak01 (mtconnect, UTC) on the same date.

let aggDb: TestDatabase<AggDatabase>;
let pressRaw: TestDatabase<RawDatabase>;
let mazakRaw: TestDatabase<RawDatabase>;
let app: ReturnType<typeof createApp>;
const day = '2024-10-27';

beforeAll(async () => {
  [aggDb, pressRaw, mazakRaw] = await Promise.all([
    createTestDatabase('agg'),
    createTestDatabase('raw'),
    createTestDatabase('raw'),
  ]);
  const machines = resolveMachines(
    machinesFileSchema.parse({
      machines: [
        {
          id: 'press-07',
          name: 'Press 07',
          rawDatabaseUrl: pressRaw.url,
          timezone: 'Europe/Madrid',
          profile: 'logger',
        },
        {
          id: 'mazak01',
          name: 'Mazak',
          rawDatabaseUrl: mazakRaw.url,
          profile: 'mtconnect',
          signals: { motors: [{ variable: 'Sload', ratedKw: 10 }] },
        },
      ],
    }),
  );

  // press-07: local midnight 2024-10-27 is 2024-10-26T22:00Z; the day ends 2024-10-27T23:00Z (25 h).
  const press = rawBuilder(pressRaw.db);
  const m = press.logger();
  m.state
    .at('2024-10-26T22:00:00Z', 255)
    .at('2024-10-27T07:00:00Z', 0)
    .at('2024-10-27T12:00:00Z', Number.NaN);
  m.program
    .at('2024-10-26T22:00:00Z', 12)
    .at('2024-10-27T03:00:00Z', 7)
    .at('2024-10-27T12:00:00Z', Number.NaN);
  m.temperature
    .at('2024-10-27T00:10:00Z', 2150) // 02:10 CEST
    .at('2024-10-27T00:20:00Z', 0) // zero means missing
    .at('2024-10-27T00:30:00Z', 2200)
    .at('2024-10-27T01:15:00Z', 2300) // 02:15 CET
    .at('2024-10-28T01:00:00Z', 2000); // next day: the horizon passes the end of the 27th
  m.spindle
    .at('2024-10-26T22:00:00Z', 50)
    .at('2024-10-27T00:00:00Z', 100)
    .at('2024-10-27T01:00:00Z', Number.NaN);
  m.alarms
    .at('2024-10-27T00:40:00Z', [['E1', 'Parada de EMERGENCIA', 3, 3, 1]])
    .at('2024-10-27T01:10:00Z', [])
    .at('2024-10-27T01:30:00Z', [['PLC00054', 'Fallo en eje X', 3, 3, 2]])
    .at('2024-10-27T05:00:00Z', [['W1', 'Aviso: puerta  abierta', 3, 3, 3]]);
  await press.write();

  const mazak = rawBuilder(mazakRaw.db);
  mazak
    .variable('execution', 'java.lang.String')
    .at('2024-10-27T06:00:00Z', 'ACTIVE')
    .at('2024-10-27T18:00:00Z', 'READY');
  mazak
    .variable('program', 'java.lang.String')
    .at('2024-10-27T06:00:00Z', 'O5')
    .at('2024-10-27T12:00:00Z', '1234');
  mazak.variable('Stemp', 'java.lang.Double').at('2024-10-27T06:30:00Z', 30).at('2024-10-28T00:30:00Z', 31);
  mazak
    .variable('Sload', 'java.lang.Double')
    .at('2024-10-27T06:00:00Z', 25)
    .at('2024-10-27T07:00:00Z', Number.NaN);
  mazak
    .variable('servo_cond', 'mtconnect.Condition')
    .at('2024-10-27T09:00:00Z', 'Fault|E42|1||Spindle fault');
  await mazak.write();

  const logger = createLogger({ app: 'contract', level: 'silent' });
  for (const machine of machines) {
    const rawDb = machine.id === 'press-07' ? pressRaw.db : mazakRaw.db;
    for (const etl of etlIds) await runEtl({ aggDb: aggDb.db, rawDb, machine, etl, day, logger });
  }

  app = createApp({
    config: { machines, corsOrigins: ['http://localhost:3000'], admin: null },
    aggDb: aggDb.db,
    rawDbFor: (machine) => (machine.id === 'press-07' ? pressRaw.db : mazakRaw.db),
    logger: captureLogs().logger,
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([aggDb?.drop(), pressRaw?.drop(), mazakRaw?.drop()]);
});

// biome-ignore lint/suspicious/noExplicitAny: a JSON document the test explores field by field
async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await app.request(path);
  return { status: res.status, body: await res.json() };
}

describe('press-07 (logger profile) after the real ETLs', () => {
  it('temperature: the repeated 02:00 hour twice, by instant, scaled, zeros dropped', async () => {
    const r = await get(`/api/v1/temperature?target_date=${day}&sensor_name=TEMPERATURA_BASE`);
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(2);
    expect(r.body[0]).toMatchObject({
      dt: '2024-10-27 02:00:00',
      min_value: 21.5,
      max_value: 22,
      readings_count: 2,
    });
    expect(r.body[0].avg_value).toBeCloseTo(21.75, 10);
    expect(r.body[0].std_dev).toBeCloseTo(Math.SQRT1_2 / 2, 10);
    expect(r.body[1]).toEqual({
      dt: '2024-10-27 02:00:00',
      min_value: 23,
      avg_value: 23,
      max_value: 23,
      std_dev: null,
      readings_count: 1,
    });
  });

  it('machine_util: a 25-hour day in hours and percentages', async () => {
    const r = await get(`/api/v1/machine_util?target_date=${day}`);
    expect(r.body).toEqual([
      {
        dt: day,
        state_running: 9,
        state_planned_down: 11,
        running_percentage: 36,
        down_percentage: 44,
        state_unplanned_down: 5,
        day_hours: 25,
      },
    ]);
  });

  it('machine_program: integer programs as numbers, longest first', async () => {
    expect((await get(`/api/v1/machine_program?target_date=${day}`)).body).toEqual([
      { dt: day, program: 7, duration_seconds: 32_400 },
      { dt: day, program: 12, duration_seconds: 18_000 },
    ]);
  });

  it('alerts: activations by severity, emergency and error in detail ordered by instant', async () => {
    expect((await get(`/api/v1/alerts_daily_count?target_date=${day}`)).body).toEqual([
      { day, alert_type: 'emergency', amount: 1 },
      { day, alert_type: 'error', amount: 1 },
      { day, alert_type: 'warning', amount: 1 },
    ]);
    const detail = (await get(`/api/v1/alerts_detail?target_date=${day}`)).body;
    expect(detail).toEqual([
      {
        id: Date.parse('2024-10-27T00:40:00Z') * 1000,
        dt: '2024-10-27 02:40:00',
        alert_type: 'emergency',
        alarm_code: 'E1',
        alarm_description: 'Parada de EMERGENCIA',
      },
      {
        id: Date.parse('2024-10-27T01:30:00Z') * 1000,
        dt: '2024-10-27 02:30:00',
        alert_type: 'error',
        alarm_code: 'PLC00054',
        alarm_description: 'Fallo en eje X',
      },
    ]);
  });

  it('energy: hourly kWh by instant', async () => {
    const r = (await get(`/api/v1/energy_consumption?target_date=${day}`)).body as Array<{
      hour_ts: string;
      energy_kwh: number;
    }>;
    expect(r.map((h) => h.hour_ts)).toEqual([
      '2024-10-27 00:00:00',
      '2024-10-27 01:00:00',
      '2024-10-27 02:00:00',
    ]);
    expect(r.map((h) => h.energy_kwh)).toEqual([
      expect.closeTo(18.5, 9),
      expect.closeTo(18.5, 9),
      expect.closeTo(37, 9),
    ]);
  });

  it('machine_changes reads the same raw data the ETLs did', async () => {
    expect(
      (await get('/api/v1/machine_changes?start=2024-10-27 00:00:00&end=2024-10-27 23:59:59')).body,
    ).toEqual([
      { ts: '2024-10-27 00:00:00+02:00', value: 255 },
      { ts: '2024-10-27 08:00:00+01:00', value: 0 },
      { ts: '2024-10-27 13:00:00+01:00', value: null },
    ]);
  });

  it('data_status and the run grid reflect the runs', async () => {
    expect((await get('/api/v1/data_status')).body).toEqual({
      first_date: day,
      last_date: day,
      sensor_records: 2,
      utilization_records: 1,
      alert_records: 3,
      program_records: 2,
      energy_records: 3,
    });
    const grid = (await get(`/api/v2/runs?from=${day}&to=${day}&machine=press-07`)).body;
    expect(grid.machines[0].days[0].status).toBe('complete');
    expect(grid.machines[0].freshness.last_complete_day).toBe(day);
    expect(grid.machines[0].days[0].etls.map((e: { etl: string }) => e.etl)).toEqual([...etlIds]);
  });
});

describe('mazak01 (mtconnect profile) after the real ETLs', () => {
  it('serves string programs as strings and digit programs as numbers', async () => {
    expect((await get(`/api/v1/machine_program?target_date=${day}&machine=mazak01`)).body).toEqual([
      { dt: day, program: 1234, duration_seconds: 43_200 },
      { dt: day, program: 'O5', duration_seconds: 21_600 },
    ]);
  });

  it('serves MTConnect conditions, the Stemp sensor by default, and string states', async () => {
    expect((await get(`/api/v1/alerts_detail?target_date=${day}&machine=mazak01`)).body).toEqual([
      {
        id: Date.parse('2024-10-27T09:00:00Z') * 1000,
        dt: '2024-10-27 09:00:00',
        alert_type: 'error',
        alarm_code: 'E42',
        alarm_description: 'Spindle fault',
      },
    ]);
    expect((await get(`/api/v1/temperature?target_date=${day}&machine=mazak01`)).body).toEqual([
      {
        dt: '2024-10-27 06:00:00',
        min_value: 30,
        avg_value: 30,
        max_value: 30,
        std_dev: null,
        readings_count: 1,
      },
    ]);
    expect(
      (
        await get(
          '/api/v1/machine_changes?machine=mazak01&start=2024-10-27T00:00:00Z&end=2024-10-28T00:00:00Z',
        )
      ).body,
    ).toEqual([
      { ts: '2024-10-27 06:00:00+00:00', value: 'ACTIVE' },
      { ts: '2024-10-27 18:00:00+00:00', value: 'READY' },
    ]);
    const util = (await get(`/api/v1/machine_util?target_date=${day}&machine=mazak01`)).body;
    expect(util).toEqual([
      expect.objectContaining({ state_running: 12, state_unplanned_down: 6, day_hours: 24 }),
    ]);
    expect((await get(`/api/v1/energy_consumption?target_date=${day}&machine=mazak01`)).body).toEqual([
      { hour_ts: '2024-10-27 06:00:00', energy_kwh: expect.closeTo(2.5, 9) },
    ]);
  });
});
