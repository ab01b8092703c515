import type { AggDatabase, RawDatabase } from '@mm/db';
import { etlIds } from '@mm/etl';
import type { Kysely } from 'kysely';

/** Epoch ms of a UTC instant written `YYYY-MM-DDTHH:MM:SS[.fff]`. */
export const utc = (iso: string) => Date.parse(`${iso}Z`);

/**
 * Aggregates for `press-07` (Europe/Madrid) on 2024-10-27, the autumn fall-back day: 25 hours, the
 * local hour 02:00 twice (00:00Z CEST and 01:00Z CET). Inserted out of order, with neighbours
 * (another day, sensor and machine) that must not leak into the answers.
 *
 * @example
 * await seedFallBackDay(agg.db);
 */
export async function seedFallBackDay(db: Kysely<AggDatabase>): Promise<void> {
  const day = '2024-10-27';
  const hours = [
    '2024-10-27T01:00:00',
    '2024-10-26T22:00:00',
    '2024-10-27T00:00:00',
    '2024-10-27T02:00:00',
    '2024-10-26T23:00:00',
  ];
  await db
    .insertInto('agg_sensor_stats')
    .values([
      ...hours.map((h, i) => ({
        machine_id: 'press-07',
        sensor_name: 'TEMPERATURA_BASE',
        hour_ts: `${h}Z`,
        day,
        min_value: 20 + i,
        max_value: 30 + i,
        avg_value: 25.5 + i,
        std_dev: i === 1 ? null : 1.25,
        readings_count: i === 1 ? 1 : 60,
      })),
      {
        machine_id: 'press-07',
        sensor_name: 'TEMPERATURA_BASE',
        hour_ts: '2024-10-26T21:00:00Z',
        day: '2024-10-26',
        min_value: 1,
        max_value: 1,
        avg_value: 1,
        std_dev: null,
        readings_count: 1,
      },
      {
        machine_id: 'press-07',
        sensor_name: 'OTHER_SENSOR',
        hour_ts: '2024-10-27T03:00:00Z',
        day,
        min_value: 1,
        max_value: 1,
        avg_value: 1,
        std_dev: null,
        readings_count: 1,
      },
      {
        machine_id: 'mazak01',
        sensor_name: 'Stemp',
        hour_ts: '2024-10-27T05:00:00Z',
        day,
        min_value: 40,
        max_value: 42,
        avg_value: 41,
        std_dev: 0.5,
        readings_count: 12,
      },
    ])
    .execute();
  await db
    .insertInto('energy_consumption_hourly')
    .values([
      ...hours.map((h, i) => ({ machine_id: 'press-07', hour_ts: `${h}Z`, day, energy_kwh: 1.5 + i })),
      { machine_id: 'press-07', hour_ts: '2024-10-27T23:00:00Z', day: '2024-10-28', energy_kwh: 99 },
    ])
    .execute();
  await db
    .insertInto('agg_machine_activity_daily')
    .values({
      machine_id: 'press-07',
      day,
      running_seconds: 36_000,
      unplanned_down_seconds: 18_018,
      planned_down_seconds: 35_982,
      day_seconds: 90_000,
    })
    .execute();
  await db
    .insertInto('machine_program_data')
    .values([
      { machine_id: 'press-07', day, program: '12', duration_seconds: 3600 },
      { machine_id: 'press-07', day, program: 'O1234', duration_seconds: 7200 },
      { machine_id: 'press-07', day, program: '-5', duration_seconds: 10 },
      { machine_id: 'press-07', day, program: '+007', duration_seconds: 5 },
      { machine_id: 'press-07', day: '2024-10-26', program: '99', duration_seconds: 50 },
    ])
    .execute();
  await db
    .insertInto('alerts_daily_count')
    .values([
      { machine_id: 'press-07', day, alert_type: 'other', amount: 3 },
      { machine_id: 'press-07', day, alert_type: 'emergency', amount: 1 },
      { machine_id: 'press-07', day, alert_type: 'warning', amount: 5 },
      { machine_id: 'press-07', day, alert_type: 'error', amount: 3 },
    ])
    .execute();
  const alert = (
    iso: string,
    ordinal: number,
    type: 'emergency' | 'error',
    code: string | null,
    text: string | null,
  ) => ({
    machine_id: 'press-07',
    id: utc(iso) * 1000 + ordinal,
    day,
    alert_ts: `${iso}Z`,
    alert_type: type,
    alarm_code: code,
    alarm_description: text,
    source_variable: 'ALARMS',
    raw: JSON.stringify([code, text, 3, 3, 1]),
  });
  await db
    .insertInto('alerts_detail')
    .values([
      // 02:30 CET (the second 02:xx) inserted first, 02:40 CEST second: served by instant.
      alert('2024-10-27T01:30:00', 0, 'error', 'PLC00054', 'Poti Avance = 0 !'),
      alert('2024-10-27T00:40:00', 0, 'emergency', '250-1398', 'Parada de EMERGENCIA'),
      alert('2024-10-27T11:17:57.265', 0, 'error', null, 'Fallo "cabezal"'),
      alert('2024-10-27T11:17:57.265', 1, 'error', 'E2', null),
      alert('2024-10-27T12:00:00.000001', 5, 'error', 'E3', 'Error de microsegundo'),
    ])
    .execute();
}

/**
 * Raw rows: `MACHINE_IN_OPERATION` (float: 255, 0, NaN, NULL) for press-07 and `execution`
 * (string) for mazak01, around 2024-10-27.
 *
 * @example
 * await seedRawStates(raw.db);
 */
export async function seedRawStates(db: Kysely<RawDatabase>): Promise<void> {
  await db
    .insertInto('variable')
    .values([
      { id: 7, name: 'MACHINE_IN_OPERATION', datatype: 'java.lang.Double' },
      { id: 8, name: 'TEMPERATURA_BASE', datatype: 'java.lang.Integer' },
      { id: 20, name: 'execution', datatype: 'java.lang.String' },
    ])
    .execute();
  await db
    .insertInto('variable_log_float')
    .values([
      { id_var: 7, date: utc('2024-10-27T00:40:00.123'), value: 0 },
      { id_var: 7, date: utc('2024-10-26T21:59:59.999'), value: 255 },
      { id_var: 7, date: utc('2024-10-27T01:30:00'), value: Number.NaN },
      { id_var: 7, date: utc('2024-10-27T02:00:00'), value: null },
      { id_var: 7, date: utc('2024-10-27T03:00:00'), value: 255 },
      { id_var: 8, date: utc('2024-10-27T01:00:00'), value: 2150 },
    ])
    .execute();
  await db
    .insertInto('variable_log_string')
    .values([
      { id_var: 20, date: utc('2024-10-27T08:00:00'), value: 'ACTIVE' },
      { id_var: 20, date: utc('2024-10-27T09:00:00'), value: 'UNAVAILABLE' },
      { id_var: 20, date: utc('2024-10-27T10:00:00'), value: null },
    ])
    .execute();
}

/** The clock the ledger seed is read at: 2024-11-05 12:00 UTC. */
export const ledgerNow = new Date('2024-11-05T12:00:00Z');

/**
 * Run-ledger rows for `press-07`, read at {@link ledgerNow} with the default stale rules:
 * 2024-11-01 complete; 11-02 failed (sensor-stats); 11-03 running (machine-activity, 30 min) and
 * stale (programs, started 2 h ago); 11-04 partial (energy, 1 h), stale (alerts, partial for 3 h) and
 * missing (sensor-stats); 11-05 nothing.
 *
 * @example
 * await seedLedger(agg.db);
 */
export async function seedLedger(db: Kysely<AggDatabase>): Promise<void> {
  const done = (day: string, etl: string, extra: Record<string, unknown> = {}) => ({
    machine_id: 'press-07',
    etl,
    day,
    status: 'succeeded' as const,
    complete: true,
    horizon: '2024-11-05T10:59:00Z',
    rows_read: 1000,
    invalid_skipped: 0,
    rows_written: 24,
    warnings: '[]',
    error: null,
    started_at: '2024-11-02T00:59:00Z',
    finished_at: '2024-11-02T01:00:00Z',
    ...extra,
  });
  // One row per ETL of the day, `done` unless overridden.
  const slices = (
    day: string,
    overrides: Record<string, Record<string, unknown>> = {},
    etls: readonly string[] = etlIds,
  ) => etls.map((etl) => done(day, etl, overrides[etl]));
  await db
    .insertInto('etl_runs')
    .values([
      ...slices('2024-11-01'),
      ...slices('2024-11-02', {
        'sensor-stats': {
          status: 'failed',
          complete: false,
          rows_written: 0,
          error: 'boom: relation x does not exist\n    at run (sensor-stats.ts:10:5)',
          attempts: 3,
        },
      }),
      ...slices('2024-11-03', {
        'machine-activity': {
          status: 'running',
          complete: false,
          started_at: '2024-11-05T11:30:00Z',
          finished_at: null,
        },
        programs: {
          status: 'running',
          complete: false,
          started_at: '2024-11-05T10:00:00Z',
          finished_at: null,
        },
      }),
      ...slices(
        '2024-11-04',
        {
          energy: {
            complete: false,
            started_at: '2024-11-05T10:59:00Z',
            finished_at: '2024-11-05T11:00:00Z',
          },
          alerts: {
            complete: false,
            started_at: '2024-11-05T08:59:00Z',
            finished_at: '2024-11-05T09:00:00Z',
          },
        },
        etlIds.filter((etl) => etl !== 'sensor-stats'),
      ),
    ])
    .execute();
}
