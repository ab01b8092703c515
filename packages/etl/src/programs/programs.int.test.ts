import type { Machine } from '@mm/config';
import type { RawDatabase } from '@mm/db';
import type { TestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { runEtl } from '../runner.ts';
import { rawDatabasePerSeed, T, testDatabases, testMachine } from '../test-fixtures.ts';

// Golden tests: every expected number is worked out by hand from DOMAIN §3, §4 and §5.3 (the
// arithmetic is in the comments), never by running the code under test.
//
// Europe/Madrid: 2024-03-31 (spring forward) runs 2024-03-30T23:00Z..2024-03-31T22:00Z = 23 h;
// 2024-10-27 (fall back) runs 2024-10-26T22:00Z..2024-10-27T23:00Z = 25 h.

const machine = (id: string, profile: 'logger' | 'mtconnect') => testMachine(profile, { id, name: id });

const [agg] = testDatabases('agg');

/** A fresh raw database per scenario: the horizon is per raw database. Values are float4-exact. */
const seed = rawDatabasePerSeed();

const run = (raw: TestDatabase<RawDatabase>, m: Machine, day: string) =>
  runEtl({ aggDb: agg.db, rawDb: raw.db, machine: m, etl: 'programs', day });

/** [program, seconds] pairs of a machine's day, sorted by program in JavaScript (no collation). */
async function programRows(machineId: string, day: string): Promise<Array<[string, number]>> {
  const rows = await agg.db
    .selectFrom('machine_program_data')
    .select(['program', 'duration_seconds'])
    .where('machine_id', '=', machineId)
    .where('day', '=', day)
    .execute();
  return rows
    .map((r): [string, number] => [r.program, r.duration_seconds])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('programs', () => {
  it('logger float program on the spring-forward day: rounding, invalid and off readings', async () => {
    const raw = await seed({
      variables: [[3, 'PROG_STATUS', 'java.lang.Double']],
      float: [
        [3, '2024-03-30T21:00:00Z', 12], // carried in from the previous evening
        [3, '2024-03-31T00:30:00Z', 12.5], // 01:30 CET; half away from zero -> 13 (half-even would say 12)
        [3, '2024-03-31T01:30:00Z', 6.5], // 03:30 CEST, one real hour later -> 7 (half-even: 6)
        [3, '2024-03-31T02:00:00Z', Number.POSITIVE_INFINITY], // invalid: 7 stands
        [3, '2024-03-31T02:15:00Z', Number.NEGATIVE_INFINITY], // invalid: 7 stands
        [3, '2024-03-31T02:30:00Z', 1000], // out of [0, 1000): invalid, 7 stands
        [3, '2024-03-31T03:00:00Z', -1], // out of range: invalid, 7 stands
        [3, '2024-03-31T04:00:00Z', Number.NaN], // off: no program
        [3, '2024-03-31T05:00:00Z', 12],
        [3, '2024-03-31T06:00:00.000Z', 21], // 0.499 s -> 0: no row
        [3, '2024-03-31T06:00:00.499Z', 22], // 1.5 s -> 2 (halves up)
        [3, '2024-03-31T06:00:01.999Z', 23], // 0.5 s -> 1
        [3, '2024-03-31T06:00:02.499Z', 0.25], // program 0, until 07:00
        [3, '2024-03-31T07:00:00Z', 999.25], // -> 999
        [3, '2024-03-31T08:00:00Z', null], // NULL is off
        [3, '2024-04-01T06:00:00Z', 5], // next day: horizon past the end
      ],
    });
    const result = await run(raw, machine('press', 'logger'), '2024-03-31');
    // 14 rows in the day (00:30 ... 08:00), 4 of them invalid (Infinity, -Infinity, 1000, -1).
    expect(result).toMatchObject({ complete: true, rowsRead: 14, invalidSkipped: 4, rowsWritten: 7 });
    expect(await programRows('press', '2024-03-31')).toEqual([
      ['0', 3598], // [06:00:02.499Z, 07:00Z) = 3597.501 s -> 3598
      ['12', 9000], // carried in [23:00Z, 00:30Z) 5400 + [05:00Z, 06:00Z) 3600
      ['13', 3600], // [00:30Z, 01:30Z): across the local 02:00-03:00 that never happened
      ['22', 2], // [06:00:00.499Z, 06:00:01.999Z) = 1.5 s
      ['23', 1], // [06:00:01.999Z, 06:00:02.499Z) = 0.5 s
      ['7', 9000], // [01:30Z, 04:00Z), through the four invalid readings
      ['999', 3600], // [07:00Z, 08:00Z)
      // 21 held 0.499 s: rounds to 0, no row. Off [04:00Z, 05:00Z) and [08:00Z, 22:00Z): no program.
    ]);
    const ledger = await agg.db
      .selectFrom('etl_runs')
      .selectAll()
      .where('machine_id', '=', 'press')
      .executeTakeFirstOrThrow();
    expect(ledger).toMatchObject({ etl: 'programs', complete: true, invalid_skipped: 4, rows_written: 7 });
  });

  it('mtconnect string program on the fall-back day, partial at the horizon; re-runs replace the slice', async () => {
    const raw = await seed({
      variables: [
        [1, 'program', 'java.lang.String'],
        [2, 'Stemp', 'java.lang.Double'],
      ],
      string: [
        [1, '2024-10-26T20:00:00Z', 'O1234'], // carried in: [22:00Z, 00:15Z) = 8100 s
        [1, '2024-10-27T00:15:00Z', ' 5001 '], // 02:15 CEST, trimmed; until 01:45Z (02:45 CET)
        [1, '2024-10-27T01:45:00Z', 'UNAVAILABLE'], // none
        [1, '2024-10-27T03:00:00Z', ''], // none
        [1, '2024-10-27T04:00:00Z', 'O1234'], // [04:00Z, 10:00Z) = 21600 s
        [1, '2024-10-27T10:00:00Z', null], // none
        [1, '2024-10-27T11:00:00Z', '-12'], // until the horizon
      ],
      float: [[2, '2024-10-27T12:30:00.400Z', 2150]], // horizon: nothing known after it
    });
    const m = machine('mazak', 'mtconnect');
    const first = await run(raw, m, '2024-10-27');
    expect(first).toMatchObject({ complete: false, rowsRead: 6, invalidSkipped: 0, rowsWritten: 3 });
    const expected: Array<[string, number]> = [
      ['-12', 5400], // [11:00Z, 12:30:00.400Z) = 5400.4 s -> 5400; nothing after the horizon
      ['5001', 5400], // [00:15Z, 01:45Z): both local 02:xx hours
      ['O1234', 29700], // 8100 + 21600
    ];
    expect(await programRows('mazak', '2024-10-27')).toEqual(expected);

    await run(raw, m, '2024-10-27');
    expect(await programRows('mazak', '2024-10-27')).toEqual(expected);

    // Raw data changes: the 5001 reading disappears, so O1234 holds from 22:00Z to 01:45Z.
    await sql`delete from variable_log_string where id_var = 1 and date = ${T('2024-10-27T00:15:00Z')}`.execute(
      raw.db,
    );
    await run(raw, m, '2024-10-27');
    expect(await programRows('mazak', '2024-10-27')).toEqual([
      ['-12', 5400],
      ['O1234', 35100], // [22:00Z, 01:45Z) 13500 + [04:00Z, 10:00Z) 21600
    ]);
  });

  it('an empty machine and a machine without the program variable have no rows', async () => {
    const empty = await seed({ variables: [[3, 'PROG_STATUS', 'java.lang.Double']] });
    expect(await run(empty, machine('empty', 'logger'), '2024-03-31')).toMatchObject({
      horizon: null,
      rowsRead: 0,
      rowsWritten: 0,
    });
    const missing = await seed({
      variables: [[2, 'MACHINE_IN_OPERATION', 'java.lang.Integer']],
      float: [[2, '2024-03-31T08:00:00Z', 255]],
    });
    const result = await run(missing, machine('no-program', 'logger'), '2024-03-31');
    expect(result.rowsWritten).toBe(0);
    expect(result.warnings).toContain(
      "program: variable 'PROG_STATUS' does not exist on machine 'no-program'",
    );
    expect(await programRows('empty', '2024-03-31')).toEqual([]);
    expect(await programRows('no-program', '2024-03-31')).toEqual([]);
  });
});
