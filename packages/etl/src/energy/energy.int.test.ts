/**
 * Golden tests for the energy ETL (DOMAIN §5.5): every expectation is worked out by hand from
 * docs/domain.md, with the arithmetic beside it. Ratings (DOMAIN §2): X and Y 15.1 kW, Z 15.71 kW,
 * spindle 37 kW; an mtconnect `Sload` gets its rating from the machine's signals.
 */
import { builtInProfiles, type Machine, machinesFileSchema, resolveMachines } from '@mm/config';
import { type RawBuilder, rawBuilder } from '@mm/raw';
import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { runEtl } from '../runner.ts';
import { testDatabases, testMachine } from '../test-fixtures.ts';

const madrid = testMachine('logger');

const [agg, raw] = testDatabases('agg', 'raw');
beforeEach(async () => {
  await sql`truncate variable, variable_log_float, variable_log_string`.execute(raw.db);
  await sql`truncate energy_consumption_hourly, etl_runs`.execute(agg.db);
});

/** A builder whose wall-clock strings are Madrid time (offsets where a time is ambiguous). */
const madridRaw = (): RawBuilder => rawBuilder(raw.db, { timezone: 'Europe/Madrid' });

async function run(day: string, machine: Machine = madrid) {
  const result = await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl: 'energy', day });
  const rows = await agg.db
    .selectFrom('energy_consumption_hourly')
    .select(['hour_ts', 'energy_kwh'])
    .where('machine_id', '=', machine.id)
    .where('day', '=', day)
    .orderBy('hour_ts')
    .execute();
  return { result, hours: rows.map((r) => [r.hour_ts.toISOString(), r.energy_kwh] as const) };
}

/** Hour starts as instants and kWh to 1e-9. */
function expectHours(hours: ReadonlyArray<readonly [string, number]>, expected: Array<[string, number]>) {
  expect(hours.map(([h]) => h)).toEqual(expected.map(([h]) => new Date(h).toISOString()));
  for (const [i, [, kwh]] of hours.entries()) expect(kwh).toBeCloseTo(expected[i]![1], 9);
}

describe('energy', () => {
  it('cuts an interval exactly at the hour boundary, to the millisecond', async () => {
    const b = madridRaw();
    const m = b.logger();
    // 2024-03-04 is CET (UTC+1).
    m.spindle.at('2024-03-04 10:30', 50).at('2024-03-04 11:15', Number.NaN);
    m.motorX.at('2024-03-04 10:59:59.000', 100).at('2024-03-04 11:00:01.000', Number.NaN);
    await b.write();
    const { result, hours } = await run('2024-03-04');
    expectHours(hours, [
      // spindle 10:30-11:00 at 50 % of 37 kW = 18.5 kW x 0.5 h = 9.25; X 1 s at 15.1 kW = 15.1 / 3600
      // = 0.0041944444 -> 9.2541944444
      ['2024-03-04T09:00:00Z', 9.2541944444],
      // spindle 11:00-11:15 = 18.5 x 0.25 = 4.625; X 1 s = 0.0041944444 -> 4.6291944444
      ['2024-03-04T10:00:00Z', 4.6291944444],
    ]);
    expect(result).toMatchObject({ rowsRead: 4, invalidSkipped: 0, rowsWritten: 2, complete: false });
  });

  it('clamps loads above 100 % to 100 and below 0 % to 0 (an hour at 0 % still has a row)', async () => {
    const b = madridRaw();
    const m = b.logger();
    m.motorZ.at('2024-03-04 08:00', 150).at('2024-03-04 08:30', -5).at('2024-03-04 10:00', Number.NaN);
    await b.write();
    const { hours } = await run('2024-03-04');
    expectHours(hours, [
      // 150 -> 100 %: 15.71 kW x 0.5 h = 7.855; -5 -> 0 %: 0 for the other half
      ['2024-03-04T07:00:00Z', 7.855],
      // -5 -> 0 % all hour: a valid load held, so a row with 0 kWh
      ['2024-03-04T08:00:00Z', 0],
    ]);
  });

  it('counts NaN as 0 kW, keeps an hour where a valid load held, and gives none to hours only off', async () => {
    const b = madridRaw();
    const m = b.logger();
    m.motorY
      .at('2024-03-04 12:00', 20)
      .at('2024-03-04 12:45', Number.NaN)
      .at('2024-03-04 14:10', 40)
      .at('2024-03-04 14:40', Number.NaN);
    m.spindle.at('2024-03-04 16:00', Number.NaN); // the horizon, so 14:40-16:00 is known to be off
    await b.write();
    const { hours } = await run('2024-03-04');
    expectHours(hours, [
      // 20 % of 15.1 kW = 3.02 kW x 0.75 h = 2.265 (the NaN quarter adds 0)
      ['2024-03-04T11:00:00Z', 2.265],
      // 13:00 is off all hour: no row. 14:10-14:40 at 40 % = 6.04 kW x 0.5 h = 3.02
      ['2024-03-04T13:00:00Z', 3.02],
      // 15:00 is off all hour: no row
    ]);
  });

  it('skips ±Infinity so the previous load stands, and counts them', async () => {
    const b = madridRaw();
    const m = b.logger();
    m.motorX
      .at('2024-03-04 06:00', 50)
      .at('2024-03-04 06:30', Number.POSITIVE_INFINITY)
      .at('2024-03-04 07:00', Number.NEGATIVE_INFINITY)
      .at('2024-03-04 07:30', Number.NaN);
    await b.write();
    const { result, hours } = await run('2024-03-04');
    expectHours(hours, [
      // 50 % of 15.1 kW = 7.55 kW for the whole hour (06:30 Infinity is skipped) = 7.55
      ['2024-03-04T05:00:00Z', 7.55],
      // 07:00-07:30 still 7.55 kW (-Infinity skipped) x 0.5 h = 3.775
      ['2024-03-04T06:00:00Z', 3.775],
    ]);
    expect(result).toMatchObject({ rowsRead: 4, invalidSkipped: 2 });
  });

  it('carries a load in from the day before (a motor at 50 % since yesterday)', async () => {
    const b = madridRaw();
    b.logger().spindle.at('2024-03-04 22:00', 50).at('2024-03-05 01:30', Number.NaN);
    await b.write();
    expectHours((await run('2024-03-04')).hours, [
      // 50 % of 37 kW = 18.5 kW for the local hours 22:00 and 23:00
      ['2024-03-04T21:00:00Z', 18.5],
      ['2024-03-04T22:00:00Z', 18.5],
    ]);
    const { result, hours } = await run('2024-03-05');
    expectHours(hours, [
      // no reading before 01:30 on the 5th: 18.5 kW carried in for 00:00-01:00 = 18.5
      ['2024-03-04T23:00:00Z', 18.5],
      // 01:00-01:30 = 18.5 x 0.5 = 9.25
      ['2024-03-05T00:00:00Z', 9.25],
    ]);
    expect(result.rowsRead).toBe(1); // the carried-in reading belongs to the 4th
  });

  it('counts nothing after the horizon on a partial day, and replaces the slice when data arrives', async () => {
    const b = madridRaw();
    const m = b.logger();
    m.motorX.at('2024-03-04 09:00', 100);
    m.state.at('2024-03-04 10:20:30', 255); // the latest reading: the horizon
    await b.write();
    let { result, hours } = await run('2024-03-04');
    expectHours(hours, [
      ['2024-03-04T08:00:00Z', 15.1], // 100 % of 15.1 kW x 1 h
      // 10:00-10:20:30 = 1230 s: 15.1 x 1230 / 3600 = 5.1591666667
      ['2024-03-04T09:00:00Z', 5.1591666667],
    ]);
    expect(result.complete).toBe(false);

    m.motorX.at('2024-03-04 12:00', Number.NaN);
    await b.write();
    ({ result, hours } = await run('2024-03-04'));
    expectHours(hours, [
      ['2024-03-04T08:00:00Z', 15.1],
      ['2024-03-04T09:00:00Z', 15.1], // now the whole hour is known
      ['2024-03-04T10:00:00Z', 15.1],
    ]);
    expect(result).toMatchObject({ complete: false, rowsWritten: 3 });
  });

  it('has 23 hour buckets on the spring-forward day (no 02:00)', async () => {
    const b = madridRaw();
    // 2024-03-31 Europe/Madrid: 02:00 CET jumps to 03:00 CEST (01:00Z).
    b.logger().spindle.at('2024-03-30 23:00', 100).at('2024-03-31 04:30', Number.NaN);
    await b.write();
    expectHours((await run('2024-03-31')).hours, [
      ['2024-03-30T23:00:00Z', 37], // 00:00 CET: 37 kW x 1 h
      ['2024-03-31T00:00:00Z', 37], // 01:00 CET
      ['2024-03-31T01:00:00Z', 37], // 03:00 CEST, right after 01:59:59.999 CET
      ['2024-03-31T02:00:00Z', 18.5], // 04:00-04:30 CEST: 37 x 0.5
    ]);
  });

  it('gives the repeated hour of the fall-back day two rows', async () => {
    const b = madridRaw();
    // 2024-10-27 Europe/Madrid: 03:00 CEST goes back to 02:00 CET; 02:xx happens twice.
    b.logger().spindle.at('2024-10-27 01:30', 100).at('2024-10-27 03:30', Number.NaN);
    await b.write();
    expectHours((await run('2024-10-27')).hours, [
      ['2024-10-26T23:00:00Z', 18.5], // 01:30-02:00 CEST: 37 x 0.5
      ['2024-10-27T00:00:00Z', 37], // 02:00 CEST
      ['2024-10-27T01:00:00Z', 37], // 02:00 CET
      ['2024-10-27T02:00:00Z', 18.5], // 03:00-03:30 CET: 37 x 0.5
    ]);
  });

  it('adds up the four motors of the logger profile', async () => {
    const b = madridRaw();
    const m = b.logger();
    m.motorX.at('2024-03-04 10:00', 50).at('2024-03-04 11:00', Number.NaN);
    m.motorY.at('2024-03-04 10:00', 25).at('2024-03-04 11:00', Number.NaN);
    m.motorZ.at('2024-03-04 10:00', 100).at('2024-03-04 11:00', Number.NaN);
    m.spindle.at('2024-03-04 10:00', 10).at('2024-03-04 11:00', Number.NaN);
    await b.write();
    const { result, hours } = await run('2024-03-04');
    // 0.5 x 15.1 + 0.25 x 15.1 + 1 x 15.71 + 0.1 x 37 = 7.55 + 3.775 + 15.71 + 3.7 = 30.735
    expectHours(hours, [['2024-03-04T09:00:00Z', 30.735]]);
    expect(result.rowsRead).toBe(8);
  });

  it("takes an mtconnect machine's Sload motor and rating from its signals override", async () => {
    const [mazak] = resolveMachines(
      machinesFileSchema.parse({
        machines: [
          {
            id: 'mazak01',
            name: 'Mazak Integrex',
            rawDatabaseUrl: 'postgres://reader@db:5432/mazak01',
            profile: 'mtconnect',
            signals: { motors: [{ variable: 'Sload', ratedKw: 11 }] },
          },
        ],
      }),
    );
    const b = rawBuilder(raw.db); // UTC, the machine's default zone
    b.variable('execution', 'java.lang.String').at('2024-03-04 10:00', 'ACTIVE');
    // An UNAVAILABLE sample imported into the float log is NaN (DOMAIN §1).
    b.variable('Sload', 'java.lang.Double').at('2024-03-04 10:00', 40).at('2024-03-04 10:45', Number.NaN);
    await b.write();
    const { result, hours } = await run('2024-03-04', mazak!);
    // 40 % of 11 kW = 4.4 kW x 0.75 h = 3.3
    expectHours(hours, [['2024-03-04T10:00:00Z', 3.3]]);
    expect(result.warnings).not.toContainEqual(expect.stringContaining('motors'));

    // Without the override the mtconnect profile maps no motor: no rows, and a warning says why.
    const bare = { ...mazak!, id: 'mazak02', profile: builtInProfiles.mtconnect };
    const unrated = await run('2024-03-04', bare);
    expect(unrated.hours).toEqual([]);
    expect(unrated.result.warnings).toContainEqual(expect.stringContaining('no motors'));
  });
});
