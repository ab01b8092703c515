import { createDb, createRawSchema, type RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawBuilder } from './builder.ts';

const alarm = [['PLC00054', 'Poti Avance = 0 !', 3, 3, 50331702]];

async function readBack(db: Kysely<RawDatabase>) {
  const variables = await db.selectFrom('variable').selectAll().orderBy('id').execute();
  // Text of the float column, so NaN and ±Infinity compare exactly.
  const { rows: floats } = await sql<{ id_var: number; date: number; value: string | null }>`
    select id_var, date, value::text as value from variable_log_float order by id_var, date
  `.execute(db);
  const strings = await db
    .selectFrom('variable_log_string')
    .selectAll()
    .orderBy('id_var')
    .orderBy('date')
    .execute();
  return { variables, floats, strings };
}

async function writeSample(db: Kysely<RawDatabase>) {
  const raw = rawBuilder(db, { timezone: 'Europe/Madrid' });
  const m = raw.logger();
  m.state
    .at('2024-03-31 01:59:59.500', 255)
    .at('2024-03-31 03:00', 'Europe/Madrid', 0)
    .at(Date.UTC(2024, 2, 31, 20), Number.NaN)
    .at('2024-03-31T21:00:00Z', null)
    .at('2024-03-31 23:30', Number.POSITIVE_INFINITY)
    .at('2024-03-31 23:45', Number.NEGATIVE_INFINITY);
  m.temperature.series('2024-03-31 10:00', 60_000, [2150, 2175.5, 0]);
  m.alarms
    .at('2024-03-31 10:00', alarm)
    .at('2024-03-31 10:01', [])
    .at('2024-03-31 10:02', '[["PLC0')
    .at('2024-03-31 10:03', null);
  const first = await raw.write();
  // A second batch: only what was added since.
  m.state.at('2024-04-01 06:00', 255);
  const second = await raw.write();
  return { first, second };
}

describe('rawBuilder on PostgreSQL', () => {
  let test: TestDatabase<RawDatabase>;
  beforeAll(async () => {
    test = await createTestDatabase('raw');
  });
  afterAll(() => test?.drop());

  it('writes what it is told: float vs string log by datatype, NaN, NULL, ±Infinity, JSON lists', async () => {
    const { first, second } = await writeSample(test.db);
    expect(first).toEqual({ variables: 8, floatRows: 9, stringRows: 4 });
    expect(second).toEqual({ variables: 0, floatRows: 1, stringRows: 0 });

    const { variables, floats, strings } = await readBack(test.db);
    expect(variables.map((v) => [v.id, v.name, v.datatype]).slice(0, 4)).toEqual([
      [1, 'MACHINE_IN_OPERATION', 'java.lang.Integer'],
      [2, 'PROG_STATUS', 'java.lang.Integer'],
      [3, 'TEMPERATURA_BASE', 'java.lang.Integer'],
      [4, 'ALARMS', 'java.lang.String'],
    ]);
    expect(floats.filter((r) => r.id_var === 1)).toEqual([
      { id_var: 1, date: 1711846799500, value: '255' }, // 01:59:59.500 CET
      { id_var: 1, date: 1711846800000, value: '0' }, // 03:00 CEST, one real second later
      { id_var: 1, date: 1711915200000, value: 'NaN' },
      { id_var: 1, date: 1711918800000, value: null },
      { id_var: 1, date: 1711920600000, value: 'Infinity' },
      { id_var: 1, date: 1711921500000, value: '-Infinity' },
      { id_var: 1, date: 1711944000000, value: '255' }, // 06:00 CEST
    ]);
    expect(floats.filter((r) => r.id_var === 3).map((r) => r.value)).toEqual(['2150', '2175.5', '0']);
    expect(strings.map((r) => r.value)).toEqual([JSON.stringify(alarm), '[]', '[["PLC0', null]);
    expect(strings[0]?.value).toBe('[["PLC00054","Poti Avance = 0 !",3,3,50331702]]');
  });

  it('fails the whole write on a clash with rows already there, and can retry', async () => {
    const raw = rawBuilder(test.db, { firstId: 500 });
    const v = raw.variable('CLASH', 'java.lang.Double');
    v.at(0, 1).at(1, 2);
    await raw.write();
    const again = rawBuilder(test.db, { firstId: 500 });
    again.variable('CLASH', 'java.lang.Double').at(2, 3);
    await expect(again.write()).rejects.toThrow(/duplicate key/);
    expect(again.pendingRows).toBe(1);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from variable_log_float where id_var = 500`.execute(test.db);
    expect(rows[0]?.n).toBe(2);
  });
});

describe('rawBuilder on PGlite', () => {
  it('writes the same rows as on PostgreSQL', async () => {
    const pglite = createDb<RawDatabase>('pglite:memory');
    const pg = await createTestDatabase('raw');
    try {
      await createRawSchema(pglite);
      await writeSample(pglite);
      await writeSample(pg.db);
      expect(await readBack(pglite)).toEqual(await readBack(pg.db));
    } finally {
      await pglite.destroy();
      await pg.drop();
    }
  });
});
