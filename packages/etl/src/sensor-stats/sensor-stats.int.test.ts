import { dayWindow } from '@mm/calendar';
import type { Machine } from '@mm/config';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { runEtl } from '../runner.ts';
import { type FloatRow, seedRaw, T, testDatabases, testMachine } from '../test-fixtures.ts';

const machine = testMachine('logger');

const [agg, raw] = testDatabases('agg', 'raw');

beforeAll(async () => {
  await seedRaw(raw.db, {
    variables: [
      [1, 'TEMPERATURA_BASE', 'java.lang.Double'],
      [2, 'MACHINE_IN_OPERATION', 'java.lang.Integer'],
    ],
  });
});

const insertFloat = (float: FloatRow[]) => seedRaw(raw.db, { float });

describe('sensor-stats', () => {
  it('computes hourly stats on a fall-back day, two buckets for the repeated hour', async () => {
    // 2024-10-27 Europe/Madrid: 02:00 CEST = 00:00Z, 02:00 CET = 01:00Z.
    await insertFloat([
      [1, '2024-10-26T21:59:00Z', 1000], // previous day (23:59 CEST)
      [1, '2024-10-27T00:10:00Z', 2000], // 02:10 CEST
      [1, '2024-10-27T00:20:00Z', 2100],
      [1, '2024-10-27T00:30:00Z', 0], // zero means missing
      [1, '2024-10-27T00:40:00Z', Number.POSITIVE_INFINITY], // invalid
      [1, '2024-10-27T01:15:00Z', 2500], // 02:15 CET: one reading, std_dev null
      [1, '2024-10-27T02:00:00Z', Number.NaN],
      [2, '2024-10-27T22:59:59Z', 0], // horizon at the end of the day
    ]);
    const result = await runEtl({
      aggDb: agg.db,
      rawDb: raw.db,
      machine,
      etl: 'sensor-stats',
      day: '2024-10-27',
    });
    expect(result).toMatchObject({ rowsRead: 6, invalidSkipped: 1, rowsWritten: 2, complete: false });
    const rows = await agg.db
      .selectFrom('agg_sensor_stats')
      .selectAll()
      .where('day', '=', '2024-10-27')
      .orderBy('hour_ts')
      .execute();
    expect(rows.map((r) => [r.hour_ts.toISOString(), r.readings_count, r.min_value, r.max_value])).toEqual([
      ['2024-10-27T00:00:00.000Z', 2, 20, 21],
      ['2024-10-27T01:00:00.000Z', 1, 25, 25],
    ]);
    expect(rows[0]!.avg_value).toBeCloseTo(20.5, 12);
    expect(rows[0]!.std_dev).toBeCloseTo(Math.SQRT1_2, 12); // sample std of {20, 21}
    expect(rows[1]!.std_dev).toBeNull();

    // Re-running gives identical rows; changed raw data replaces the stale slice.
    await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl: 'sensor-stats', day: '2024-10-27' });
    expect(await agg.db.selectFrom('agg_sensor_stats').selectAll().orderBy('hour_ts').execute()).toEqual(
      rows,
    );
    await sql`delete from variable_log_float where id_var = 1 and date = ${T('2024-10-27T01:15:00Z')}`.execute(
      raw.db,
    );
    await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl: 'sensor-stats', day: '2024-10-27' });
    const after = await agg.db.selectFrom('agg_sensor_stats').select('hour_ts').execute();
    expect(after).toHaveLength(1);
    const ledger = await agg.db.selectFrom('etl_runs').selectAll().executeTakeFirstOrThrow();
    expect(ledger).toMatchObject({ status: 'succeeded', attempts: 3, rows_written: 1, complete: false });
  });

  it('buckets by local hour in a zone whose DST shift is half an hour (Lord Howe)', async () => {
    await sql`truncate variable_log_float`.execute(raw.db);
    await sql`truncate agg_sensor_stats, etl_runs`.execute(agg.db);
    const lordHowe: Machine = { ...machine, id: 'lord-howe', timezone: 'Australia/Lord_Howe' };
    const window = dayWindow('2024-04-07', lordHowe.timezone); // 24.5 hours: 02:00 LHDT -> 01:30 LHST
    const readings: Array<[number, string, number | null]> = [];
    for (let t = window.start; t < window.end; t += 10 * 60_000) {
      readings.push([1, new Date(t).toISOString(), 2000 + ((t / 60_000) % 7)]);
    }
    readings.push([2, new Date(window.end + 1).toISOString(), 255]); // horizon after the day
    await insertFloat(readings);
    await runEtl({ aggDb: agg.db, rawDb: raw.db, machine: lordHowe, etl: 'sensor-stats', day: '2024-04-07' });
    const rows = await agg.db.selectFrom('agg_sensor_stats').selectAll().orderBy('hour_ts').execute();
    // Expected: each reading counted in the bucket [bounds[k], bounds[k+1]) that holds it.
    const expected = window.bounds.slice(0, -1).map((start, k) => ({
      hour: new Date(start).toISOString(),
      n: readings.filter(
        ([id, iso]) => id === 1 && Date.parse(iso) >= start && Date.parse(iso) < window.bounds[k + 1]!,
      ).length,
    }));
    expect(rows.map((r) => ({ hour: r.hour_ts.toISOString(), n: r.readings_count }))).toEqual(
      expected.filter((e) => e.n > 0),
    );
    expect(rows.some((r) => r.hour_ts.getUTCMinutes() === 30)).toBe(true); // a bucket starting at :30 UTC exists
  });
});
