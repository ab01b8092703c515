/**
 * Property test: the SQL ETLs agree with a plain TypeScript reference written from docs/domain.md
 * (`./reference/`, which shares no code with the SQL path) on random raw data.
 *
 * Each run draws a machine (logger or mtconnect profile, some variables missing, random sensor
 * settings and motor ratings) in a random time zone, three consecutive local days (often across a
 * DST change), and up to 60 readings per variable, some in bursts, spread from the day before to just after the
 * last day, including NaN, NULL, ±Infinity, 0, -0, out-of-range values, instants on hour and day
 * boundaries (±1 ms) and the same instants on several variables. It writes them to a raw database,
 * runs the real ETL through `runEtl` for each day, and compares the slice and the run's counts with
 * the reference: integers and instants exactly, doubles to 1e-9 relative (see `close`).
 *
 * Alarms are covered by the alerts ETL's own tests: no alarm rows are generated, so they cannot move
 * the horizon here. Reproduce a failure with the seed and path fast-check prints:
 * `FC_SEED=<seed> FC_PATH=<path> pnpm exec vitest run packages/etl/src/property.int.test.ts`;
 * `FC_RUNS` changes the number of runs (default 25).
 */
import { builtInProfiles, type Machine, type Profile } from '@mm/config';
import fc from 'fast-check';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { EtlId } from './etl.ts';
import {
  activityOf,
  bindRoles,
  type Counts,
  energyOf,
  logsFloats,
  programsOf,
  type RawSeries,
  type ReferenceDay,
  type ReferenceRoles,
  referenceDay,
  referenceHorizon,
  sensorStatsOf,
} from './reference/index.ts';
import { etlTables, registry } from './registry.ts';
import { runEtl } from './runner.ts';
import { testDatabases, testMachine } from './test-fixtures.ts';

const ZONES = ['UTC', 'Europe/Madrid', 'America/New_York', 'Asia/Kolkata'];
// First of three consecutive days: US and EU spring-forward and fall-back, a leap day, a new year.
const FIRST_DAYS = [
  '2024-03-09',
  '2024-03-30',
  '2024-10-26',
  '2024-11-02',
  '2024-02-28',
  '2024-12-30',
  '2024-06-14',
];
const HOUR = 3_600_000;

interface Scenario {
  machine: Machine;
  days: string[];
  series: RawSeries[];
}

type ValueKind = 'state' | 'program' | 'temperature' | 'motor';
interface VariableSpec {
  name: string;
  datatype: string;
  kind: ValueKind;
}

const FLOAT = 'java.lang.Double';
const STRING = 'java.lang.String';

const specialFloats = fc.constantFrom(
  Number.NaN,
  null,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0,
  -0,
  255,
  100,
  150,
  -5,
  50,
  999.5,
  1000,
  2.5,
  0.5,
);
const anyFloat4 = fc.float(); // every float4, NaN, ±Infinity and -0 included
const quarters = fc.integer({ min: -400, max: 20_000 }).map((q) => q / 4);

function valueArb(spec: VariableSpec): fc.Arbitrary<number | string | null> {
  const float = (...more: Array<{ arbitrary: fc.Arbitrary<number | null>; weight: number }>) =>
    fc.oneof(
      { arbitrary: specialFloats, weight: 3 },
      { arbitrary: anyFloat4, weight: 1 },
      { arbitrary: quarters, weight: 2 },
      ...more,
    );
  const isFloat = spec.datatype !== STRING;
  switch (spec.kind) {
    case 'state':
      return isFloat
        ? float({ arbitrary: fc.constantFrom(255, 0, 1, 255, 254), weight: 6 })
        : fc.constantFrom(
            'ACTIVE',
            'ACTIVE',
            'READY',
            'STOPPED',
            'INTERRUPTED',
            'FEED_HOLD',
            'PROGRAM_STOPPED',
            'WAIT',
            'UNAVAILABLE',
            '',
            '  ',
            null,
            ' ACTIVE ',
            'active',
            'garbage ñ',
          );
    case 'program':
      return isFloat
        ? float({ arbitrary: fc.integer({ min: 0, max: 6 }), weight: 6 })
        : fc.constantFrom(
            'O1234',
            '1234',
            'PART-A',
            ' O1234 ',
            'UNAVAILABLE',
            '',
            ' ',
            null,
            '-7',
            '+12',
            '0012',
          );
    case 'temperature':
      return float({ arbitrary: fc.integer({ min: 1800, max: 2600 }), weight: 4 });
    case 'motor':
      return float({ arbitrary: fc.integer({ min: 0, max: 110 }), weight: 4 });
  }
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    timezone: fc.constantFrom(...ZONES),
    firstDay: fc.constantFrom(...FIRST_DAYS),
    profileName: fc.constantFrom('logger', 'mtconnect'),
    sensor: fc.record({
      scale: fc.constantFrom(0.01, 1, 0.1, 2.5),
      zeroIsMissing: fc.boolean(),
      custom: fc.boolean(),
    }),
    sloadKw: fc.constantFrom(11, 7.5, 0.37),
    // Where the data stops, in hours after the last day's end: often inside a day (a partial one).
    tailHours: fc.integer({ min: -40, max: 3 }),
  })
  .chain((base) => {
    const days = [0, 1, 2].map((i) =>
      new Date(Date.parse(`${base.firstDay}T00:00:00Z`) + i * 24 * HOUR).toISOString().slice(0, 10),
    );
    const windows = days.map((d) => referenceDay(d, base.timezone));
    const from = windows[0]!.start - 30 * HOUR;
    const to = windows[2]!.end + base.tailHours * HOUR;
    const boundaries = windows.flatMap((w) => [...w.hourStarts, w.end]);
    const specs: VariableSpec[] =
      base.profileName === 'logger'
        ? [
            { name: 'MACHINE_IN_OPERATION', datatype: 'java.lang.Integer', kind: 'state' },
            { name: 'PROG_STATUS', datatype: 'java.lang.Integer', kind: 'program' },
            { name: 'TEMPERATURA_BASE', datatype: FLOAT, kind: 'temperature' },
            ...builtInProfiles.logger.motors.map((m) => ({
              name: m.variable,
              datatype: FLOAT,
              kind: 'motor' as const,
            })),
          ]
        : [
            { name: 'execution', datatype: STRING, kind: 'state' },
            { name: 'program', datatype: STRING, kind: 'program' },
            { name: 'Stemp', datatype: FLOAT, kind: 'temperature' },
            { name: 'Sload', datatype: FLOAT, kind: 'motor' },
          ];
    const sharedInstants = fc.array(fc.integer({ min: from, max: to }), { minLength: 1, maxLength: 8 });
    return sharedInstants.chain((shared) => {
      const instant = fc.oneof(
        { arbitrary: fc.integer({ min: from, max: to }), weight: 5 },
        {
          arbitrary: fc
            .tuple(fc.constantFrom(...boundaries), fc.constantFrom(-1, 0, 0, 1))
            .map(([b, d]) => b + d),
          weight: 2,
        },
        { arbitrary: fc.constantFrom(...shared), weight: 2 },
        // Bursts around the shared instants: several readings of one variable within the same hour.
        {
          arbitrary: fc
            .tuple(fc.constantFrom(...shared), fc.integer({ min: -20 * 60_000, max: 20 * 60_000 }))
            .map(([c, d]) => c + d),
          weight: 4,
        },
      );
      const seriesArbs = specs.map((spec, index) =>
        fc
          .record({
            present: fc.noBias(fc.integer({ min: 0, max: 9 })).map((n) => n > 0),
            readings: fc.uniqueArray(fc.record({ date: instant, value: valueArb(spec) }), {
              selector: (r) => r.date,
              maxLength: 60,
              size: 'max',
            }),
          })
          .map(({ present, readings }) =>
            present ? [{ id: index + 1, name: spec.name, datatype: spec.datatype, readings }] : [],
          ),
      );
      return fc.tuple(...seriesArbs).map((parts): Scenario => {
        const builtIn = builtInProfiles[base.profileName];
        const profile: Profile = {
          ...builtIn,
          temperature: base.sensor.custom
            ? builtIn.temperature.map((t) => ({
                ...t,
                scale: base.sensor.scale,
                zeroIsMissing: base.sensor.zeroIsMissing,
              }))
            : builtIn.temperature,
          motors:
            base.profileName === 'logger' ? builtIn.motors : [{ variable: 'Sload', ratedKw: base.sloadKw }],
        };
        return {
          machine: testMachine(base.profileName, {
            id: 'prop-machine',
            name: 'Property machine',
            timezone: base.timezone,
            profile,
          }),
          days,
          series: parts.flat(),
        };
      });
    });
  });

const [agg, raw] = testDatabases('agg', 'raw');

// float4 text PostgreSQL reads back bit for bit (String(-0) would be '0').
const floatText = (v: number | string | null) =>
  v === null ? null : Object.is(v, -0) ? '-0' : String(v as number);

async function load(scenario: Scenario): Promise<void> {
  await sql`truncate variable, variable_log_float, variable_log_string`.execute(raw.db);
  await sql`truncate ${sql.join([...etlTables, 'etl_runs'].map((t) => sql.table(t)))}`.execute(agg.db);
  if (scenario.series.length === 0) return;
  await raw.db
    .insertInto('variable')
    .values(scenario.series.map((s) => ({ id: s.id, name: s.name, datatype: s.datatype })))
    .execute();
  for (const float of [true, false]) {
    const rows = scenario.series
      .filter((s) => logsFloats(s) === float)
      .flatMap((s) => s.readings.map((r) => ({ id: s.id, ...r })));
    if (rows.length === 0) continue;
    const values = rows.map((r) => (float ? floatText(r.value) : (r.value as string | null)));
    await sql`
      insert into ${sql.table(float ? 'variable_log_float' : 'variable_log_string')} (id_var, date, value)
      select * from unnest(${rows.map((r) => r.id)}::int[], ${rows.map((r) => r.date)}::bigint[],
                           ${values}::text[]::${sql.raw(float ? 'real[]' : 'text[]')})`.execute(raw.db);
  }
}

/**
 * Doubles: |actual - expected| <= 1e-9 x max(|expected|, floor). `floor` is the magnitude of the
 * inputs for results that may cancel (a mean or standard deviation near 0 of large values, summed
 * in another order than PostgreSQL's); 0 (purely relative) for sums of non-negative terms.
 */
function close(actual: number | null, expected: number | null, floor = 0): boolean {
  if (actual === null || expected === null) return actual === expected;
  return Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(expected), floor);
}

function expectClose(what: string, actual: number | null, expected: number | null, floor = 0) {
  if (!close(actual, expected, floor)) {
    throw new Error(
      `${what}: got ${actual}, reference ${expected} (difference ${Number(actual) - Number(expected)})`,
    );
  }
}

type Check = (ctx: { day: string; window: ReferenceDay; roles: ReferenceRoles }) => Promise<Counts>;

const checks: Record<Exclude<EtlId, 'alerts'>, Check> = {
  async 'sensor-stats'({ day, window, roles }) {
    const expected = sensorStatsOf(roles, window);
    const rows = await agg.db
      .selectFrom('agg_sensor_stats')
      .selectAll()
      .where('day', '=', day)
      .orderBy('sensor_name')
      .orderBy('hour_ts')
      .execute();
    expect(rows.map((r) => [r.sensor_name, r.hour_ts.getTime(), r.readings_count])).toEqual(
      expected.rows.map((r) => [r.sensor_name, r.hour_ts, r.readings_count]),
    );
    rows.forEach((row, i) => {
      const ref = expected.rows[i]!;
      const magnitude = Math.max(Math.abs(ref.min_value), Math.abs(ref.max_value));
      const at = `${ref.sensor_name} ${new Date(ref.hour_ts).toISOString()}`;
      expectClose(`${at} min`, row.min_value, ref.min_value);
      expectClose(`${at} max`, row.max_value, ref.max_value);
      expectClose(`${at} avg`, row.avg_value, ref.avg_value, magnitude);
      expectClose(`${at} std_dev`, row.std_dev, ref.std_dev, magnitude);
    });
    return expected;
  },
  async 'machine-activity'({ day, window, roles }) {
    const expected = activityOf(roles, window);
    const rows = await agg.db
      .selectFrom('agg_machine_activity_daily')
      .selectAll()
      .where('day', '=', day)
      .execute();
    expect(rows).toHaveLength(expected.rows.length);
    const [row, ref] = [rows[0], expected.rows[0]];
    if (row && ref) {
      expectClose(`${day} running_seconds`, row.running_seconds, ref.running_seconds);
      expectClose(`${day} unplanned_down_seconds`, row.unplanned_down_seconds, ref.unplanned_down_seconds);
      expectClose(`${day} planned_down_seconds`, row.planned_down_seconds, ref.planned_down_seconds);
      expectClose(`${day} day_seconds`, row.day_seconds, ref.day_seconds);
    }
    return expected;
  },
  async programs({ day, window, roles }) {
    const expected = programsOf(roles, window);
    const rows = await agg.db.selectFrom('machine_program_data').selectAll().where('day', '=', day).execute();
    const got = rows
      .map((r) => ({ program: r.program, duration_seconds: r.duration_seconds }))
      .sort((a, b) => (a.program < b.program ? -1 : a.program > b.program ? 1 : 0));
    expect(got).toEqual(expected.rows);
    return expected;
  },
  async energy({ day, window, roles }) {
    const expected = energyOf(roles, window);
    const rows = await agg.db
      .selectFrom('energy_consumption_hourly')
      .selectAll()
      .where('day', '=', day)
      .execute();
    const got = rows.map((r) => ({ hour_ts: r.hour_ts.getTime(), energy_kwh: r.energy_kwh }));
    got.sort((a, b) => a.hour_ts - b.hour_ts);
    expect(got.map((r) => new Date(r.hour_ts).toISOString())).toEqual(
      expected.rows.map((r) => new Date(r.hour_ts).toISOString()),
    );
    for (const [i, r] of got.entries()) {
      expectClose(
        `${new Date(r.hour_ts).toISOString()} energy_kwh`,
        r.energy_kwh,
        expected.rows[i]!.energy_kwh,
      );
    }
    return expected;
  },
};

const numRuns = Number(process.env.FC_RUNS ?? 25);
// A run takes well under 1 s; the rest of the budget is for shrinking a counterexample, which
// stops (and fails) at the limit with the smallest one found so far.
const timeLimit = Math.max(150_000, numRuns * 1_000);
const replay = process.env.FC_SEED
  ? { seed: Number(process.env.FC_SEED), ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}) }
  : {};

describe('ETLs agree with the docs/domain.md reference on random raw data', () => {
  for (const [etl, check] of Object.entries(checks) as Array<[Exclude<EtlId, 'alerts'>, Check]>) {
    it(`${etl}`, { timeout: timeLimit + 90_000 }, async () => {
      // Not skipped when missing: every ETL of DOMAIN §5 must exist by release.
      expect(registry[etl], `the '${etl}' ETL is not registered in registry.ts`).toBeDefined();
      await fc.assert(
        fc.asyncProperty(scenarioArb, async (scenario) => {
          await load(scenario);
          const roles = bindRoles(scenario.machine, scenario.series);
          const horizon = referenceHorizon(roles);
          for (const day of scenario.days) {
            const window = referenceDay(day, scenario.machine.timezone);
            const result = await runEtl({
              aggDb: agg.db,
              rawDb: raw.db,
              machine: scenario.machine,
              etl,
              day,
            });
            expect(result.horizon, `${day} horizon`).toBe(horizon);
            expect(result.complete, `${day} complete`).toBe(horizon !== null && horizon >= window.end);
            const counts = await check({ day, window, roles });
            expect(
              { rowsRead: result.rowsRead, invalidSkipped: result.invalidSkipped },
              `${day} counts`,
            ).toEqual({
              rowsRead: counts.rowsRead,
              invalidSkipped: counts.invalidSkipped,
            });
          }
        }),
        { numRuns, interruptAfterTimeLimit: timeLimit, markInterruptAsFailure: true, ...replay },
      );
    });
  }
});
