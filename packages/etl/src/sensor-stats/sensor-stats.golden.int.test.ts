/**
 * Golden tests for sensor-stats (DOMAIN §5.1), expectations worked out by hand: per sensor and
 * local hour, the finite readings logged in the hour (0 dropped where it means missing) x scale;
 * min, max, mean, sample standard deviation (null below 2 readings) and count.
 */
import { builtInProfiles, type Machine } from '@mm/config';
import { rawBuilder } from '@mm/raw';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { runEtl } from '../runner.ts';
import { testDatabases, testMachine } from '../test-fixtures.ts';

const logger = testMachine('logger');

const [agg, raw] = testDatabases('agg', 'raw');
beforeEach(async () => {
  await sql`truncate variable, variable_log_float, variable_log_string`.execute(raw.db);
  await sql`truncate agg_sensor_stats, etl_runs`.execute(agg.db);
});

async function run(machine: Machine, day: string) {
  const result = await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl: 'sensor-stats', day });
  const rows = await agg.db
    .selectFrom('agg_sensor_stats')
    .selectAll()
    .where('machine_id', '=', machine.id)
    .where('day', '=', day)
    .orderBy('sensor_name')
    .orderBy('hour_ts')
    .execute();
  return { result, rows };
}

interface Expected {
  sensor: string;
  hour: string;
  n: number;
  min: number;
  max: number;
  avg: number;
  std: number | null;
}

function expectRows(rows: Awaited<ReturnType<typeof run>>['rows'], expected: Expected[]) {
  expect(rows.map((r) => [r.sensor_name, r.hour_ts.toISOString(), r.readings_count])).toEqual(
    expected.map((e) => [e.sensor, new Date(e.hour).toISOString(), e.n]),
  );
  for (const [i, row] of rows.entries()) {
    const e = expected[i]!;
    expect(row.min_value).toBeCloseTo(e.min, 12);
    expect(row.max_value).toBeCloseTo(e.max, 12);
    expect(row.avg_value).toBeCloseTo(e.avg, 12);
    if (e.std === null) expect(row.std_dev).toBeNull();
    else expect(row.std_dev).toBeCloseTo(e.std, 12);
  }
}

describe('sensor-stats golden', () => {
  it('logger: scale 0.01, zero means missing, NaN and ±Infinity ignored, one reading has no std_dev', async () => {
    const b = rawBuilder(raw.db, { timezone: 'Europe/Madrid' });
    const t = b.logger().temperature; // TEMPERATURA_BASE, °C x 100
    t.at('2024-03-04 10:00:00.000', 2150)
      .at('2024-03-04 10:10', 0) // missing
      .at('2024-03-04 10:20', 2175)
      .at('2024-03-04 10:30', Number.NaN) // off
      .at('2024-03-04 10:40', Number.POSITIVE_INFINITY) // invalid
      .at('2024-03-04 10:59:59.999', 2200) // still 10:00
      .at('2024-03-04 11:00:00.000', 2300) // 11:00: alone in its hour
      .at('2024-03-04 12:30', Number.NEGATIVE_INFINITY) // 12:00: only invalid -> no row
      .at('2024-03-04 13:30', 0); // 13:00: only missing -> no row
    await b.write();
    const { result, rows } = await run(logger, '2024-03-04');
    expectRows(rows, [
      // {21.5, 21.75, 22}: mean 21.75; deviations -0.25, 0, 0.25 -> (0.0625 + 0 + 0.0625) / (3 - 1)
      // = 0.0625 -> std 0.25
      {
        sensor: 'TEMPERATURA_BASE',
        hour: '2024-03-04T09:00:00Z',
        n: 3,
        min: 21.5,
        max: 22,
        avg: 21.75,
        std: 0.25,
      },
      // {23}: n = 1, sample std undefined -> null
      {
        sensor: 'TEMPERATURA_BASE',
        hour: '2024-03-04T10:00:00Z',
        n: 1,
        min: 23,
        max: 23,
        avg: 23,
        std: null,
      },
    ]);
    // 9 readings in the day, of which ±Infinity are the 2 invalid ones (0 and NaN are not invalid).
    expect(result).toMatchObject({ rowsRead: 9, invalidSkipped: 2, rowsWritten: 2 });
  });

  it('keeps zeros when the profile says zero is a real value', async () => {
    const machine: Machine = {
      ...logger,
      profile: {
        ...builtInProfiles.logger,
        temperature: [{ variable: 'TEMPERATURA_BASE', scale: 1, zeroIsMissing: false }],
      },
    };
    const b = rawBuilder(raw.db, { timezone: 'Europe/Madrid' });
    b.logger().temperature.at('2024-03-04 08:05', 0).at('2024-03-04 08:15', 4).at('2024-03-04 08:25', 8);
    await b.write();
    const { rows } = await run(machine, '2024-03-04');
    expectRows(rows, [
      // {0, 4, 8}: mean 4; (16 + 0 + 16) / 2 = 16 -> std 4
      { sensor: 'TEMPERATURA_BASE', hour: '2024-03-04T07:00:00Z', n: 3, min: 0, max: 8, avg: 4, std: 4 },
    ]);
  });

  it('mtconnect: Stemp at scale 1, zero missing, named by its variable', async () => {
    const machine: Machine = {
      id: 'mazak01',
      name: 'Mazak',
      rawDatabaseUrl: 'postgres://unused',
      timezone: 'UTC',
      profileName: 'mtconnect',
      profile: builtInProfiles.mtconnect,
    };
    const b = rawBuilder(raw.db);
    b.variable('Stemp', 'java.lang.Double')
      .at('2024-03-04 14:00', 35.5)
      .at('2024-03-04 14:01', 0)
      .at('2024-03-04 14:02', 36.5)
      .at('2024-03-04 14:03', Number.NaN); // UNAVAILABLE imported as NaN
    await b.write();
    const { rows, result } = await run(machine, '2024-03-04');
    expectRows(rows, [
      // {35.5, 36.5}: mean 36; (0.25 + 0.25) / 1 = 0.5 -> std sqrt(0.5) = 0.70710678118654752
      {
        sensor: 'Stemp',
        hour: '2024-03-04T14:00:00Z',
        n: 2,
        min: 35.5,
        max: 36.5,
        avg: 36,
        std: Math.SQRT1_2, // sample std of {35.5, 36.5}
      },
    ]);
    expect(result).toMatchObject({ rowsRead: 4, invalidSkipped: 0 });
  });

  it('a missing sensor variable gives no rows and a warning in the ledger, not a failure', async () => {
    const b = rawBuilder(raw.db, { timezone: 'Europe/Madrid' });
    // The machine has data, but no TEMPERATURA_BASE variable (logger() would declare it).
    b.variable('MACHINE_IN_OPERATION', 'java.lang.Integer').at('2024-03-04 08:00', 255);
    await b.write();
    const { rows, result } = await run(logger, '2024-03-04');
    expect(rows).toEqual([]);
    const warning = "temperature: variable 'TEMPERATURA_BASE' does not exist on machine 'press-07'";
    expect(result.warnings).toContain(warning);
    const ledger = await agg.db
      .selectFrom('etl_runs')
      .selectAll()
      .where('machine_id', '=', 'press-07')
      .where('etl', '=', 'sensor-stats')
      .executeTakeFirstOrThrow();
    expect(ledger).toMatchObject({ status: 'succeeded', rows_written: 0, error: null });
    expect(ledger.warnings).toContain(warning);
  });
});
