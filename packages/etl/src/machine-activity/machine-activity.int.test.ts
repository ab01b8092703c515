import { builtInProfiles, type Machine, type Profile } from '@mm/config';
import type { RawDatabase } from '@mm/db';
import type { TestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { runEtl } from '../runner.ts';
import { rawDatabasePerSeed, T, testDatabases, testMachine, type Variable } from '../test-fixtures.ts';

// Golden tests: every expected number is worked out by hand from DOMAIN §3, §4 and §5.2 (the
// arithmetic is in the comments), never by running the code under test.
//
// Europe/Madrid: 2024-03-31 (spring forward) runs 2024-03-30T23:00Z..2024-03-31T22:00Z = 23 h;
// 2024-10-27 (fall back) runs 2024-10-26T22:00Z..2024-10-27T23:00Z = 25 h; a winter day runs
// 23:00Z..23:00Z = 24 h.

const machine = (id: string, profile: Profile, timezone = 'Europe/Madrid'): Machine =>
  testMachine('logger', { id, name: id, timezone, profileName: 'test', profile });
const logger = (id: string) => machine(id, builtInProfiles.logger);
const mtconnect = (id: string) => machine(id, builtInProfiles.mtconnect, 'UTC');

const LOGGER_VARIABLES: Variable[] = [
  [1, 'TEMPERATURA_BASE', 'java.lang.Double'],
  [2, 'MACHINE_IN_OPERATION', 'java.lang.Integer'],
];

const [agg] = testDatabases('agg');

/** A fresh raw database per scenario: the horizon is per raw database. Values are float4-exact. */
const seed = rawDatabasePerSeed();

const run = (raw: TestDatabase<RawDatabase>, m: Machine, day: string) =>
  runEtl({ aggDb: agg.db, rawDb: raw.db, machine: m, etl: 'machine-activity', day });

async function activity(machineId: string) {
  return agg.db
    .selectFrom('agg_machine_activity_daily')
    .selectAll()
    .where('machine_id', '=', machineId)
    .orderBy('day')
    .execute();
}

async function ledger(machineId: string, day: string) {
  return agg.db
    .selectFrom('etl_runs')
    .selectAll()
    .where('machine_id', '=', machineId)
    .where('etl', '=', 'machine-activity')
    .where('day', '=', day)
    .executeTakeFirstOrThrow();
}

describe('machine-activity, state method (logger float signal)', () => {
  it('spring-forward day: 23 h, intervals across the missing hour, NaN off, ±Infinity skipped', async () => {
    const raw = await seed({
      variables: LOGGER_VARIABLES,
      float: [
        [2, '2024-03-30T20:00:00Z', 255], // previous evening: running, carried in
        [2, '2024-03-31T00:59:59.500Z', 0], // 01:59:59.5 CET: idle
        [2, '2024-03-31T01:15:00Z', 255], // 03:15 CEST (02:00-03:00 local never happened)
        [2, '2024-03-31T05:00:00Z', Number.NaN], // off
        [2, '2024-03-31T06:00:00Z', Number.POSITIVE_INFINITY], // invalid: skipped, NaN stands
        [2, '2024-03-31T06:30:00Z', Number.NEGATIVE_INFINITY], // invalid too, not off and not idle
        [2, '2024-03-31T07:00:00Z', 255],
        [2, '2024-03-31T08:00:00Z', 3], // any other finite value is idle
        [2, '2024-03-31T20:00:00Z', null], // NULL is off, like NaN
        [2, '2024-04-01T01:00:00Z', 0], // next day: horizon past the end, the day is complete
      ],
    });
    const m = logger('spring');
    const result = await run(raw, m, '2024-03-31');
    // Day rows of the state signal: 00:59:59.5, 01:15, 05:00, 06:00, 06:30, 07:00, 08:00, 20:00 -> 8, two invalid.
    expect(result).toMatchObject({ complete: true, rowsRead: 8, invalidSkipped: 2, rowsWritten: 1 });
    expect(await activity('spring')).toEqual([
      {
        machine_id: 'spring',
        day: '2024-03-31',
        // running: [23:00Z, 00:59:59.5Z) 7199.5 + [01:15Z, 05:00Z) 13500 + [07:00Z, 08:00Z) 3600 = 24299.5
        running_seconds: 24299.5,
        // idle: [00:59:59.5Z, 01:15Z) 900.5 + [08:00Z, 20:00Z) 43200 = 44100.5
        unplanned_down_seconds: 44100.5,
        // off: [05:00Z, 07:00Z) 7200 + [20:00Z, 22:00Z) 7200 = 14400; 24299.5 + 44100.5 + 14400 = 82800
        planned_down_seconds: 14400,
        day_seconds: 82800,
        state_running: 6.75, // 24299.5 / 3600 = 6.7498...
        state_unplanned_down: 12.25, // 44100.5 / 3600 = 12.2501...
        state_planned_down: 4,
        day_hours: 23,
        running_percentage: 29.35, // 24299.5 / 82800 = 29.3472...%
        down_percentage: 17.39, // 14400 / 82800 = 17.3913...%
      },
    ]);
  });

  it('fall-back day: 25 h, a run across the repeated hour, no reading before the first one ever', async () => {
    const raw = await seed({
      variables: LOGGER_VARIABLES,
      float: [
        [2, '2024-10-27T00:30:00Z', 255], // 02:30 CEST, the first reading ever
        [2, '2024-10-27T01:30:00Z', 0], // 02:30 CET, the repeated hour
        [2, '2024-10-27T02:00:00Z', 255],
        [2, '2024-10-27T22:30:00Z', Number.NaN],
        [1, '2024-10-28T10:00:00Z', 2000], // horizon next day
      ],
    });
    const result = await run(raw, logger('fall'), '2024-10-27');
    expect(result).toMatchObject({ complete: true, rowsRead: 4, invalidSkipped: 0 });
    expect(await activity('fall')).toMatchObject([
      {
        day: '2024-10-27',
        running_seconds: 77400, // [00:30Z, 01:30Z) 3600 + [02:00Z, 22:30Z) 73800
        unplanned_down_seconds: 1800, // [01:30Z, 02:00Z)
        planned_down_seconds: 10800, // before any reading [22:00Z, 00:30Z) 9000 + off [22:30Z, 23:00Z) 1800
        day_seconds: 90000, // 77400 + 1800 + 10800
        day_hours: 25,
        running_percentage: 86, // 77400 / 90000
        down_percentage: 12, // 10800 / 90000
      },
    ]);
  });

  it('no state reading for days: running since the day before, carried in by index lookup', async () => {
    const raw = await seed({
      variables: LOGGER_VARIABLES,
      float: [
        [2, '2024-01-14T20:00:00Z', 255], // 21:00 on Jan 14, never changes again
        [1, '2024-01-16T23:00:00Z', 2000], // horizon = 00:00 on Jan 17 (Madrid), exactly
      ],
    });
    const m = logger('carry');
    for (const day of ['2024-01-15', '2024-01-16', '2024-01-17']) await run(raw, m, day);
    expect(
      (await activity('carry')).map((r) => [
        r.day,
        r.running_seconds,
        r.unplanned_down_seconds,
        r.planned_down_seconds,
        r.running_percentage,
      ]),
    ).toEqual([
      ['2024-01-15', 86400, 0, 0, 100], // the whole 24 h day running
      ['2024-01-16', 86400, 0, 0, 100], // the horizon is the day's end: still all of it
      // Jan 17: its window starts at the horizon, not before it: no row.
    ]);
    expect(await ledger('carry', '2024-01-16')).toMatchObject({ complete: true, rows_read: 0 });
    expect(await ledger('carry', '2024-01-17')).toMatchObject({ status: 'succeeded', rows_written: 0 });
  });

  it('a day off is 100 % planned down; an empty machine has no row', async () => {
    const off = await seed({
      variables: LOGGER_VARIABLES,
      float: [
        [2, '2024-01-14T20:00:00Z', Number.NaN], // switched off the evening before
        [2, '2024-01-16T07:00:00Z', 255], // next reading the day after
      ],
    });
    await run(off, logger('day-off'), '2024-01-15');
    expect(await activity('day-off')).toMatchObject([
      { running_seconds: 0, unplanned_down_seconds: 0, planned_down_seconds: 86400, down_percentage: 100 },
    ]);

    const empty = await seed({ variables: LOGGER_VARIABLES });
    const result = await run(empty, logger('empty'), '2024-01-15');
    expect(result).toMatchObject({ horizon: null, complete: false, rowsRead: 0, rowsWritten: 0 });
    expect(await activity('empty')).toEqual([]);
  });

  it('partial day at the horizon; re-running is idempotent; changed raw data replaces the slice', async () => {
    const raw = await seed({
      variables: LOGGER_VARIABLES,
      float: [
        [2, '2024-01-16T06:00:00Z', 0], // 07:00 local: powered, idle
        [2, '2024-01-16T08:00:00Z', 255],
        [1, '2024-01-16T11:00:00.250Z', 2000], // horizon: nothing known after it
      ],
    });
    const m = logger('partial');
    const first = await run(raw, m, '2024-01-16');
    expect(first).toMatchObject({ complete: false, horizon: T('2024-01-16T11:00:00.250Z') });
    expect(await activity('partial')).toMatchObject([
      {
        running_seconds: 10800.25, // [08:00Z, 11:00:00.250Z)
        unplanned_down_seconds: 7200, // [06:00Z, 08:00Z)
        // before the first reading [23:00Z, 06:00Z) 25200; after the horizon (11:00:00.25Z..23:00Z): nothing
        planned_down_seconds: 25200,
        day_seconds: 86400, // percentages stay over the full day
        running_percentage: 12.5, // 10800.25 / 86400 = 12.50003%
        down_percentage: 29.17, // 25200 / 86400 = 29.1666%
      },
    ]);
    expect(await ledger('partial', '2024-01-16')).toMatchObject({ complete: false, rows_read: 2 });

    const before = await activity('partial');
    await run(raw, m, '2024-01-16');
    expect(await activity('partial')).toEqual(before);

    await sql`insert into variable_log_float (id_var, date, value) values
      (2, ${T('2024-01-16T20:00:00Z')}, 'NaN'), (1, ${T('2024-01-17T09:00:00Z')}, 2000)`.execute(raw.db);
    const second = await run(raw, m, '2024-01-16');
    expect(second).toMatchObject({ complete: true, rowsWritten: 1 });
    expect(await activity('partial')).toMatchObject([
      {
        running_seconds: 43200, // [08:00Z, 20:00Z)
        unplanned_down_seconds: 7200,
        planned_down_seconds: 36000, // [23:00Z, 06:00Z) 25200 + off [20:00Z, 23:00Z) 10800
        running_percentage: 50,
        down_percentage: 41.67, // 36000 / 86400 = 41.666%
      },
    ]);
    expect(await ledger('partial', '2024-01-16')).toMatchObject({ complete: true, attempts: 3 });

    // The raw data is gone (no horizon any more): the stale row goes too.
    await sql`delete from variable_log_float`.execute(raw.db);
    expect(await run(raw, m, '2024-01-16')).toMatchObject({ horizon: null, rowsWritten: 0 });
    expect(await activity('partial')).toEqual([]);
  });
});

describe('machine-activity, state method (mtconnect string signal)', () => {
  it('ACTIVE runs, any other string idles, UNAVAILABLE/empty/NULL are off; values trimmed', async () => {
    const raw = await seed({
      variables: [
        [1, 'execution', 'java.lang.String'],
        [2, 'Stemp', 'java.lang.Double'],
      ],
      string: [
        [1, '2024-06-16T22:00:00Z', 'ACTIVE'], // a run that started the previous evening
        [1, '2024-06-17T01:00:00Z', ' READY '],
        [1, '2024-06-17T02:00:00Z', 'UNAVAILABLE'],
        [1, '2024-06-17T03:00:00Z', ''],
        [1, '2024-06-17T04:00:00Z', ' ACTIVE '],
        [1, '2024-06-17T05:00:00Z', null],
        [1, '2024-06-17T06:00:00Z', 'FEED_HOLD'],
        [1, '2024-06-17T12:00:00Z', 'UNAVAILABLE'],
        [1, '2024-06-18T00:00:00Z', 'READY'], // horizon exactly at the day's end
      ],
    });
    const result = await run(raw, mtconnect('mazak'), '2024-06-17');
    // Day rows: 01, 02, 03, 04, 05, 06, 12 h -> 7 (the 2024-06-18 row is the next day's).
    expect(result).toMatchObject({ complete: true, rowsRead: 7, invalidSkipped: 0 });
    expect(await activity('mazak')).toMatchObject([
      {
        day: '2024-06-17',
        running_seconds: 7200, // carried in [00:00, 01:00) 3600 + [04:00, 05:00) 3600
        unplanned_down_seconds: 25200, // [01:00, 02:00) 3600 + [06:00, 12:00) 21600
        planned_down_seconds: 54000, // [02:00, 04:00) 7200 + [05:00, 06:00) 3600 + [12:00, 24:00) 43200
        day_seconds: 86400, // 7200 + 25200 + 54000
        running_percentage: 8.33, // 7200 / 86400 = 8.333%
        down_percentage: 62.5, // 54000 / 86400
      },
    ]);
  });
});

describe('machine-activity, gap method', () => {
  const gapProfile: Profile = { ...builtInProfiles.logger, state: { method: 'gap', gapSeconds: 600 } };

  it('sessions over every log row of both tables; a gap of exactly 600 s does not split', async () => {
    const raw = await seed({
      variables: [
        [1, 'X', 'java.lang.Double'],
        [2, 'MSG', 'java.lang.String'],
      ],
      float: [
        [1, '2024-05-05T23:55:00Z', 0], // previous day: no carry-in for the gap method
        [1, '2024-05-06T08:00:00.000Z', 1], // session A starts
        [1, '2024-05-06T08:19:59.999Z', 2], // 600.000 s after the 08:09:59.999 row: same session
        [1, '2024-05-06T08:30:00.000Z', 3], // same instant as a MSG row
        [1, '2024-05-06T08:35:00.000Z', Number.NaN], // an off row is still a log row
        [1, '2024-05-06T08:40:00.000Z', Number.POSITIVE_INFINITY], // invalid: as if never logged
        [1, '2024-05-06T11:55:00.000Z', null], // session D starts (a NULL row is a log row)
        [1, '2024-05-06T12:30:00.000Z', Number.NEGATIVE_INFINITY], // invalid, after the horizon
      ],
      string: [
        [2, '2024-05-06T00:04:00Z', 'z'], // a lone row: a session of 0 s
        [2, '2024-05-06T08:09:59.999Z', 'a'], // 599.999 s after 08:00: same session
        [2, '2024-05-06T08:30:00.000Z', 'b'], // 600.001 s after 08:19:59.999: session B starts
        [2, '2024-05-06T08:49:00.000Z', 'c'], // 14 min after 08:35 (the 08:40 row is invalid): session C
        [2, '2024-05-06T08:50:00.000Z', null],
        [2, '2024-05-06T12:00:00.000Z', 'd'], // the horizon: the last valid or off row
      ],
    });
    const result = await run(raw, machine('gap', gapProfile, 'UTC'), '2024-05-06');
    // Rows of the day in both tables: 7 float + 6 string = 13; invalid: the two infinities.
    expect(result).toMatchObject({
      complete: false,
      horizon: T('2024-05-06T12:00:00Z'),
      rowsRead: 13,
      invalidSkipped: 2,
    });
    expect(await activity('gap')).toMatchObject([
      {
        // A 08:00:00.000-08:19:59.999 1199.999 + B 08:30-08:35 300 + C 08:49-08:50 60
        // + D 11:55-12:00 300 (the row at the horizon ends it) + the lone 00:04 row 0 = 1859.999
        running_seconds: 1859.999,
        unplanned_down_seconds: 0,
        planned_down_seconds: 41340.001, // observed [00:00, 12:00) 43200 - 1859.999
        day_seconds: 86400,
        running_percentage: 2.15, // 1859.999 / 86400 = 2.1527%
        down_percentage: 47.85, // 41340.001 / 86400 = 47.8472%
      },
    ]);
  });

  it('a gap 1 ms over 600 s splits where 600 s does not', async () => {
    const raw = await seed({
      variables: [[1, 'X', 'java.lang.Double']],
      float: [
        [1, '2024-05-06T10:00:00.000Z', 1],
        [1, '2024-05-06T10:10:00.000Z', 2], // +600.000 s: joins
        [1, '2024-05-06T10:20:00.001Z', 3], // +600.001 s: splits, a lone row
        [1, '2024-05-07T10:00:00.000Z', 4], // horizon next day
      ],
    });
    await run(raw, machine('gap-edge', gapProfile, 'UTC'), '2024-05-06');
    expect(await activity('gap-edge')).toMatchObject([
      { running_seconds: 600, planned_down_seconds: 85800 }, // 86400 - 600
    ]);
  });
});
