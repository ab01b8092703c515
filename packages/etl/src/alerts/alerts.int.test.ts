import type { Machine } from '@mm/config';
import type { RawDatabase } from '@mm/db';
import type { TestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { runEtl } from '../runner.ts';
import { rawDatabasePerSeed, T, testDatabases, testMachine } from '../test-fixtures.ts';

// Golden tests: every expected value is worked out by hand from DOMAIN §3 and §5.4 (reasoning in
// the comments), never by running the code under test.
//
// Europe/Madrid: 2024-03-05 (CET, UTC+1) runs 2024-03-04T23:00Z..2024-03-05T23:00Z;
// 2024-06-18 (CEST, UTC+2) runs 2024-06-17T22:00Z..2024-06-18T22:00Z;
// 2024-10-27 (fall back, 25 h) runs 2024-10-26T22:00Z..2024-10-27T23:00Z.

const machine = (id: string, profile: 'logger' | 'mtconnect') => testMachine(profile, { id, name: id });

const [agg] = testDatabases('agg');

/** A fresh raw database per scenario (the horizon is per raw database). */
const seed = rawDatabasePerSeed();

const run = (raw: TestDatabase<RawDatabase>, m: Machine, day: string) =>
  runEtl({ aggDb: agg.db, rawDb: raw.db, machine: m, etl: 'alerts', day });

async function counts(machineId: string, day: string) {
  const rows = await agg.db
    .selectFrom('alerts_daily_count')
    .select(['alert_type', 'amount'])
    .where('machine_id', '=', machineId)
    .where('day', '=', day)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.alert_type, r.amount]));
}

async function detail(machineId: string, day: string) {
  const rows = await agg.db
    .selectFrom('alerts_detail')
    .selectAll()
    .where('machine_id', '=', machineId)
    .where('day', '=', day)
    .orderBy('alert_ts')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.alert_ts.toISOString(),
    type: r.alert_type,
    code: r.alarm_code,
    description: r.alarm_description,
    variable: r.source_variable,
    raw: r.raw,
  }));
}

// json-snapshot elements as the logger writes them (Spanish, double spaces, quotes inside).
const POTI = ['PLC00054', 'Poti Avance = 0 !', 3, 3, 50331702];
const SERVO = ['SRV0012', 'Fallo  servo "eje X"', 2, 2, 50331999];
const EMERG = ['PLC00001', 'Parada de EMERGENCIA', 3, 3, 50331649];
const CERRAR = ['PLC00031', 'CERRAR  PUERTA', 3, 3, 50331679];
const ATENCION = ['PLC00044', 'Atención: nivel bajo', 3, 3, 50331692];
const PUERTA = ['PLC00010', 'Puerta  abierta!', 3, 3, 50331658];
const NO_CODE = ['', 'Alarma "sin" código', 1, 1, 1];
const TERROR = ['T-1', 'Terror', 1, 1, 1];
const json = (...elements: unknown[]) => JSON.stringify(elements);

describe('alerts, json-snapshot (logger profile)', () => {
  const m = machine('press-07', 'logger');
  let raw: TestDatabase<RawDatabase>;
  beforeAll(async () => {
    raw = await seed({
      variables: [
        [1, 'ALARMS', 'java.lang.String'],
        [2, 'MACHINE_IN_OPERATION', 'java.lang.Integer'],
      ],
      // The horizon: 2024-03-10, so 03-05..03-07 are complete.
      float: [[2, '2024-03-10T12:00:00Z', 0]],
      string: [
        // 2024-03-04 (yesterday): POTI becomes active, then two invalid rows. The carry-in is the
        // last VALID snapshot before the day, [POTI]: the index lookup walks back past them.
        [1, '2024-03-04T20:00:00Z', json(POTI)],
        [1, '2024-03-04T22:00:00Z', '[["PLC00054","Poti'],
        [1, '2024-03-04T22:30:00Z', 'garbage'],
        // 2024-03-05, the day (10 rows):
        [1, '2024-03-05T07:00:00Z', json(POTI)], // still active since yesterday: not counted
        [1, '2024-03-05T07:10:00Z', json(POTI, SERVO)], // SERVO: activation, "Fallo" → error
        [1, '2024-03-05T07:20:00Z', json(POTI, SERVO)], // repeated: nothing
        [1, '2024-03-05T07:30:00Z', '[["PLC00001","Parada de EMERG'], // invalid: skipped, counted
        [1, '2024-03-05T07:40:00Z', json(SERVO, POTI)], // the snapshot before still stands: nothing
        [1, '2024-03-05T08:00:00Z', null], // off: clears every alarm
        [1, '2024-03-05T08:10:00Z', json(SERVO, EMERG)], // SERVO again (error, ordinal 0), EMERG (emergency, ordinal 1)
        [1, '2024-03-05T09:00:00Z', '[]'],
        [1, '2024-03-05T09:10:00Z', json(CERRAR, ATENCION)], // CERRAR → other, Atención → warning
        // Code empty → identity is the description ("Alarma" → warning); 'x' and ['X'] are ignored.
        [1, '2024-03-05T10:00:00Z', json(PUERTA, NO_CODE, 'x', ['X'])],
        // 2024-03-06 00:00 local: the next day. "Terror" starts with "ter": other.
        [1, '2024-03-05T23:00:00Z', json(TERROR)],
      ],
    });
  });

  it('turns snapshots into activations: carry-in, repeats, invalid rows, off rows', async () => {
    const result = await run(raw, m, '2024-03-05');
    // rowsWritten: 4 count rows + 3 detail rows.
    expect(result).toMatchObject({ rowsRead: 10, invalidSkipped: 1, rowsWritten: 7, complete: true });
    // error: SERVO 07:10 and SERVO 08:10 (re-activated after the off row); emergency: EMERG 08:10;
    // warning: Atención 09:10, "Alarma sin código" 10:00; other: CERRAR 09:10, PUERTA 10:00.
    expect(await counts(m.id, '2024-03-05')).toEqual({ error: 2, emergency: 1, warning: 2, other: 2 });
    expect(await detail(m.id, '2024-03-05')).toEqual([
      {
        id: T('2024-03-05T07:10:00Z') * 1000,
        at: '2024-03-05T07:10:00.000Z',
        type: 'error',
        code: 'SRV0012',
        description: 'Fallo  servo "eje X"',
        variable: 'ALARMS',
        raw: SERVO,
      },
      {
        id: T('2024-03-05T08:10:00Z') * 1000,
        at: '2024-03-05T08:10:00.000Z',
        type: 'error',
        code: 'SRV0012',
        description: 'Fallo  servo "eje X"',
        variable: 'ALARMS',
        raw: SERVO,
      },
      {
        id: T('2024-03-05T08:10:00Z') * 1000 + 1,
        at: '2024-03-05T08:10:00.000Z',
        type: 'emergency',
        code: 'PLC00001',
        description: 'Parada de EMERGENCIA',
        variable: 'ALARMS',
        raw: EMERG,
      },
    ]);
  });

  it('the next day: the carry-in is the last snapshot of the day before', async () => {
    // Carry-in [PUERTA, NO_CODE]; at 00:00 [TERROR] activates TERROR only: other, no detail.
    const result = await run(raw, m, '2024-03-06');
    expect(result).toMatchObject({ rowsRead: 1, invalidSkipped: 0, rowsWritten: 1, complete: true });
    expect(await counts(m.id, '2024-03-06')).toEqual({ other: 1 });
    expect(await detail(m.id, '2024-03-06')).toEqual([]);
  });

  it('an empty day has no rows, even with an alarm still active', async () => {
    const result = await run(raw, m, '2024-03-07');
    expect(result).toMatchObject({ rowsRead: 0, invalidSkipped: 0, rowsWritten: 0, complete: true });
    expect(await counts(m.id, '2024-03-07')).toEqual({});
    expect(await detail(m.id, '2024-03-07')).toEqual([]);
  });

  it('is idempotent, ids included; changed raw data replaces the slice without stale rows', async () => {
    await run(raw, m, '2024-03-05');
    const before = { counts: await counts(m.id, '2024-03-05'), detail: await detail(m.id, '2024-03-05') };
    await run(raw, m, '2024-03-05');
    expect(await counts(m.id, '2024-03-05')).toEqual(before.counts);
    expect(await detail(m.id, '2024-03-05')).toEqual(before.detail);

    // Without the off row at 08:00, [SERVO, EMERG] follows [SERVO, POTI]: SERVO stays active, so
    // only EMERG activates at 08:10, now the only activation of that ms (ordinal 0).
    await sql`delete from variable_log_string where id_var = 1 and date = ${T('2024-03-05T08:00:00Z')}`.execute(
      raw.db,
    );
    const result = await run(raw, m, '2024-03-05');
    expect(result).toMatchObject({ rowsRead: 9, invalidSkipped: 1, rowsWritten: 6 });
    expect(await counts(m.id, '2024-03-05')).toEqual({ error: 1, emergency: 1, warning: 2, other: 2 });
    expect((await detail(m.id, '2024-03-05')).map((d) => [d.id, d.type])).toEqual([
      [T('2024-03-05T07:10:00Z') * 1000, 'error'],
      [T('2024-03-05T08:10:00Z') * 1000, 'emergency'],
    ]);
    const ledger = await agg.db
      .selectFrom('etl_runs')
      .selectAll()
      .where('machine_id', '=', m.id)
      .where('day', '=', '2024-03-05')
      .executeTakeFirstOrThrow();
    expect(ledger).toMatchObject({ status: 'succeeded', attempts: 4, rows_read: 9, invalid_skipped: 1 });
  });
});

describe('alerts, json-snapshot carry-in behind many invalid rows', () => {
  it('walks back past more invalid rows than its first page', async () => {
    const m = machine('press-08', 'logger');
    const invalid = Array.from(
      { length: 20 },
      (_, i) =>
        [1, `2024-03-04T01:${String(i).padStart(2, '0')}:00Z`, `{broken ${i}`] as [number, string, string],
    );
    const raw = await seed({
      variables: [[1, 'ALARMS', 'java.lang.String']],
      string: [
        [1, '2024-03-04T00:00:00Z', json(POTI)], // the carry-in, behind 20 invalid rows
        ...invalid,
        [1, '2024-03-05T08:00:00Z', json(POTI, PUERTA)], // only PUERTA activates: other
        [1, '2024-03-05T23:30:00Z', '[]'], // horizon past the day
      ],
    });
    const result = await run(raw, m, '2024-03-05');
    expect(result).toMatchObject({ rowsRead: 1, invalidSkipped: 0, complete: true });
    expect(await counts(m.id, '2024-03-05')).toEqual({ other: 1 });
  });
});

describe('alerts, mtconnect-condition (mtconnect profile)', () => {
  const m = machine('mazak01', 'mtconnect');
  let raw: TestDatabase<RawDatabase>;
  beforeAll(async () => {
    raw = await seed({
      variables: [
        [1, 'execution', 'java.lang.String'],
        [10, 'logic_cond', 'mtconnect.Condition'],
        [11, 'system_cond', 'mtconnect.Condition'],
        [12, 'S3temp_cond', 'mtconnect.Condition'],
        [13, 'path_system', 'mtconnect.Condition'],
      ],
      string: [
        [1, '2024-06-19T00:00:00Z', 'READY'], // horizon past the day
        // logic_cond: cleared yesterday 10:00 (replay starts there); 371 active since yesterday,
        // 270 activated and cleared yesterday.
        [10, '2024-06-16T09:00:00Z', 'Fault|999|90||OLD'],
        [10, '2024-06-17T10:00:00Z', 'Unavailable||||'],
        [10, '2024-06-17T11:00:00Z', 'Warning|371|50||COND.MISSING(SET UP SWITCH)'],
        [10, '2024-06-17T12:00:00Z', 'Fault|270|90||COND.MISSING (DOOR OPEN)'],
        [10, '2024-06-17T13:00:00Z', 'Normal|270|||'],
        // the day (8 rows)
        [10, '2024-06-18T08:00:00Z', 'Warning|371|50||COND.MISSING(SET UP SWITCH)'], // active since yesterday
        [10, '2024-06-18T08:05:00Z', 'Fault|270|90||COND.MISSING (DOOR OPEN)'], // activation: Fault → error
        [10, '2024-06-18T08:06:00Z', 'Fault|270|90||COND.MISSING (DOOR OPEN)'], // re-sent: nothing
        [10, '2024-06-18T08:10:00Z', 'Normal|270|||'], // clears 270 only
        [10, '2024-06-18T08:20:00Z', 'Fault|270|90||COND.MISSING (DOOR OPEN)'], // activation: error
        [10, '2024-06-18T08:30:00Z', 'Bogus|1|||x'], // invalid: skipped, counted
        [10, '2024-06-18T09:00:00Z', 'Normal||||'], // clears all: 371 too
        [10, '2024-06-18T09:10:00Z', 'Warning|371|50||COND.MISSING(SET UP SWITCH)'], // activation: warning
        // system_cond: never cleared, so it replays from its first row; 1101 active since 06-10.
        [11, '2024-06-10T09:00:00Z', 'Warning|1101|25||INTERFERE'],
        // the day (6 rows)
        [11, '2024-06-18T08:20:00Z', 'Fault|1102|90||INTERFERE'], // error, same ms as logic_cond's: ordinal 1
        [11, '2024-06-18T09:00:00Z', 'Warning|1101|25||INTERFERE'], // still active: nothing
        [11, '2024-06-18T09:05:00Z', 'Fault|1101|90||INTERFERE'], // Warning → Fault: activation, error
        [11, '2024-06-18T09:06:00Z', 'Warning|345|50||START ERROR(DOOR OPEN)'], // the level decides: warning
        [11, '2024-06-18T09:07:00Z', 'Warning|406|25||MEMORY PROTECT'], // warning
        [11, '2024-06-18T09:08:00Z', 'Warning|500|50||EMERGENCY STOP'], // an emerg… word lifts it: emergency
        // S3temp_cond: only clearing rows (3 rows), no activation.
        [12, '2024-06-18T10:00:00Z', 'Normal||||'],
        [12, '2024-06-18T10:01:00Z', 'UNAVAILABLE'],
        [12, '2024-06-18T10:02:00Z', null],
        // path_system: the row before the day has an unknown level ("UNAVAİLABLE" with a dotted
        // capital I, which lowercases to "i̇" in JavaScript): invalid, so it clears nothing and 149
        // stays active since 06-16. (PostgreSQL's lower() may read it as "unavailable": the SQL
        // search for the last clear-all row is only a shortcut, the parser has the last word.)
        [13, '2024-06-16T10:00:00Z', 'Fault|149|90||TAILSTOCK BARRIER'],
        [13, '2024-06-17T10:00:00Z', 'UNAVAİLABLE||||'],
        [13, '2024-06-18T10:30:00Z', 'Fault|149|90||TAILSTOCK BARRIER'], // still active: nothing (1 row)
      ],
    });
  });

  it('replays conditions: re-sends, Normal per code and for all, level changes, carry-in', async () => {
    const result = await run(raw, m, '2024-06-18');
    // rows: logic 8 + system 6 + S3temp 3 + path 1 = 18; written: 3 counts + 5 details.
    expect(result).toMatchObject({ rowsRead: 18, invalidSkipped: 1, rowsWritten: 8, complete: true });
    // error: 270 @08:05, 270 @08:20, 1102 @08:20, 1101 Fault @09:05;
    // warning: 345 @09:06 (a Warning saying ERROR), 406 @09:07, 371 @09:10; emergency: 500 @09:08.
    expect(await counts(m.id, '2024-06-18')).toEqual({ error: 4, warning: 3, emergency: 1 });
    const at = (iso: string) => T(iso) * 1000;
    expect(await detail(m.id, '2024-06-18')).toEqual([
      {
        id: at('2024-06-18T08:05:00Z'),
        at: '2024-06-18T08:05:00.000Z',
        type: 'error',
        code: '270',
        description: 'COND.MISSING (DOOR OPEN)',
        variable: 'logic_cond',
        raw: 'Fault|270|90||COND.MISSING (DOOR OPEN)',
      },
      {
        id: at('2024-06-18T08:20:00Z'),
        at: '2024-06-18T08:20:00.000Z',
        type: 'error',
        code: '270',
        description: 'COND.MISSING (DOOR OPEN)',
        variable: 'logic_cond',
        raw: 'Fault|270|90||COND.MISSING (DOOR OPEN)',
      },
      {
        id: at('2024-06-18T08:20:00Z') + 1,
        at: '2024-06-18T08:20:00.000Z',
        type: 'error',
        code: '1102',
        description: 'INTERFERE',
        variable: 'system_cond',
        raw: 'Fault|1102|90||INTERFERE',
      },
      {
        id: at('2024-06-18T09:05:00Z'),
        at: '2024-06-18T09:05:00.000Z',
        type: 'error',
        code: '1101',
        description: 'INTERFERE',
        variable: 'system_cond',
        raw: 'Fault|1101|90||INTERFERE',
      },
      {
        id: at('2024-06-18T09:08:00Z'),
        at: '2024-06-18T09:08:00.000Z',
        type: 'emergency',
        code: '500',
        description: 'EMERGENCY STOP',
        variable: 'system_cond',
        raw: 'Warning|500|50||EMERGENCY STOP',
      },
    ]);
  });
});

describe('alerts on a fall-back day (Europe/Madrid, 2024-10-27, 25 h)', () => {
  it('orders detail by instant: 02:40 CEST before 02:30 CET', async () => {
    const m = machine('press-09', 'logger');
    const raw = await seed({
      variables: [
        [1, 'ALARMS', 'java.lang.String'],
        [2, 'MACHINE_IN_OPERATION', 'java.lang.Integer'],
      ],
      float: [[2, '2024-10-28T10:00:00Z', 0]],
      string: [
        [1, '2024-10-26T21:59:59.999Z', json(['E0', 'Error previo'])], // 23:59:59.999 CEST on the 26th
        [1, '2024-10-27T00:40:00Z', json(['E1', 'Fallo A'])], // 02:40 CEST: error (E0 just goes away)
        [1, '2024-10-27T01:00:00Z', '[]'], // 02:00 CET
        [1, '2024-10-27T01:30:00Z', json(['E2', 'Emergencia'])], // 02:30 CET: emergency
        [1, '2024-10-27T22:30:00Z', json(['W1', 'Aviso'])], // 23:30 CET, 24.5 h into the day: warning
        [1, '2024-10-27T23:00:00Z', json(['E3', 'Fallo'])], // 00:00 on the 28th: not this day
      ],
    });
    const result = await run(raw, m, '2024-10-27');
    expect(result).toMatchObject({ rowsRead: 4, invalidSkipped: 0, complete: true });
    expect(await counts(m.id, '2024-10-27')).toEqual({ error: 1, emergency: 1, warning: 1 });
    expect((await detail(m.id, '2024-10-27')).map((d) => [d.id, d.at, d.type, d.code])).toEqual([
      [T('2024-10-27T00:40:00Z') * 1000, '2024-10-27T00:40:00.000Z', 'error', 'E1'],
      [T('2024-10-27T01:30:00Z') * 1000, '2024-10-27T01:30:00.000Z', 'emergency', 'E2'],
    ]);
  });
});
