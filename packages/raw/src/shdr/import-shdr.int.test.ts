import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createDb, type RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importShdr, type ShdrImportResult } from './import-shdr.ts';
import { parseShdrFileName } from './shdr-file-name.ts';
import { NIST_MAZAK01_DIR, shdrFolder } from './shdr-folder.ts';

// The real NIST SMS Test Bed logs of Mazak01 kept (gzipped) in this package (docs/domain.md, SHDR import).
const { files: FILES, devicesXml: DEVICES } = shdrFolder(NIST_MAZAK01_DIR);

/** md5 of each raw table's rows in key order: equal digests mean identical tables. */
async function digests(db: Kysely<RawDatabase>) {
  const { rows } = await sql<{ variable: string; float: string; string: string }>`
    select
      (select md5(string_agg(id || '|' || name || '|' || datatype, ',' order by id)) from variable) as variable,
      (select md5(string_agg(id_var || '|' || date || '|' || coalesce(value::text, '~'), ',' order by id_var, date))
         from variable_log_float) as float,
      (select md5(string_agg(id_var || '|' || date || '|' || coalesce(value, '~'), ',' order by id_var, date))
         from variable_log_string) as string`.execute(db);
  return rows[0]!;
}

/** md5 of the rows by variable *name* (ids depend on the order keys were first met). */
async function digestByName(db: Kysely<RawDatabase>): Promise<string> {
  const { rows } = await sql<{ digest: string }>`
    select md5(string_agg(r, ',' order by r)) as digest from (
      select v.name || '|' || v.datatype || '|' || f.date || '|' || f.value::text as r
        from variable_log_float f join variable v on v.id = f.id_var
      union all
      select v.name || '|' || v.datatype || '|' || s.date || '|' || s.value
        from variable_log_string s join variable v on v.id = s.id_var) rows`.execute(db);
  return rows[0]!.digest;
}

async function tableCounts(db: Kysely<RawDatabase>) {
  const count = (table: 'variable' | 'variable_log_float' | 'variable_log_string') =>
    db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  return {
    variables: await count('variable'),
    float: await count('variable_log_float'),
    string: await count('variable_log_string'),
  };
}

// The 16 logs imported once with COPY, for the whole file: every test below reads this import (the
// INSERT path is compared with it), and none changes it (re-importing writes nothing, as one asserts).
let raw: TestDatabase<RawDatabase>;
let first: ShdrImportResult;

beforeAll(async () => {
  raw = await createTestDatabase('raw');
  first = await importShdr({ target: raw.url, files: FILES, devicesXml: DEVICES });
});
afterAll(() => raw?.drop());

describe('importShdr: the 16 NIST Mazak01 logs into PostgreSQL (COPY)', () => {
  it('reads every file, writes with COPY, and skips nothing', () => {
    expect(FILES).toHaveLength(16);
    expect(first.method).toBe('copy');
    expect(first.device).toBe('Mazak01');
    expect(first.files.map((f) => f.day)).toEqual([...first.files.map((f) => f.day)].sort());
    expect(first.totals).toMatchObject({ lines: 262_448, malformed: 0, invalid: 0, blank: 0 });
    expect(first.warnings).toEqual([]);
  });

  it('creates one variable per key, typed by the Devices.xml category, else by the shape of its lines', async () => {
    const rows = await raw.db.selectFrom('variable').select(['name', 'datatype']).execute();
    const datatype = new Map(rows.map((r) => [r.name, r.datatype]));
    expect(datatype.size).toBe(86);
    expect(datatype.get('execution')).toBe('java.lang.String');
    expect(datatype.get('program')).toBe('java.lang.String');
    expect(datatype.get('Stemp')).toBe('java.lang.Double');
    expect(datatype.get('Sload')).toBe('java.lang.Double');
    expect(datatype.get('Sovr')).toBe('java.lang.String'); // an EVENT although numeric
    expect(datatype.get('Xtravel')).toBe('mtconnect.Condition');
    // Keys Devices.xml lacks: conditions by shape, and a key that is only ever UNAVAILABLE is an event.
    expect(datatype.get('S3temp_cond')).toBe('mtconnect.Condition');
    expect(datatype.get('C2travel')).toBe('mtconnect.Condition');
    expect(datatype.get('S3load')).toBe('java.lang.String');
    // The agent logs `avail` by its id.
    expect(datatype.get('Mazak01-dtop_1')).toBe('java.lang.String');
    const from = new Map(first.created.map((v) => [v.name, v.from]));
    expect(from.get('S3temp_cond')).toBe('shape');
    expect(from.get('Mazak01-dtop_1')).toBe('devices');
    expect([...from.values()].filter((f) => f === 'shape')).toHaveLength(21);
    const byType = new Map<string, number>();
    for (const r of rows) byType.set(r.datatype, (byType.get(r.datatype) ?? 0) + 1);
    expect(Object.fromEntries(byType)).toEqual({
      'java.lang.Double': 25,
      'java.lang.String': 36,
      'mtconnect.Condition': 25,
    });
  });

  it('writes every reading once, by the stale, re-stamp and first-wins rules', async () => {
    // Cross-checked with an independent implementation of DOMAIN §7 over the same files.
    expect(first.totals).toMatchObject({
      staleLines: 16 * 86,
      staleIgnored: 404,
      restamped: 4740,
      duplicates: 101,
      written: 261_057,
    });
    expect(await tableCounts(raw.db)).toEqual({ variables: 86, float: 251_324, string: 9_733 });
    // The header-only files (machine off all day) add nothing once the earlier days are in.
    const empty = first.files.filter((f) => f.lines === 86).map((f) => [f.day, f.written]);
    expect(empty).toEqual([
      ['2019-06-17', 86],
      ['2019-06-22', 0],
      ['2019-06-23', 0],
      ['2019-06-28', 0],
      ['2019-06-29', 0],
      ['2019-06-30', 0],
    ]);
  });

  it('stores UNAVAILABLE samples as NaN and conditions as Level|code|nativeSeverity|qualifier|message', async () => {
    const { rows } = await sql<{ name: string; value: string }>`
      select v.name, s.value from variable_log_string s join variable v on v.id = s.id_var
      where v.name = 'logic_cond' and s.date = ${Date.parse('2019-06-19T14:15:51.057Z')}`.execute(raw.db);
    // Two warnings at this millisecond in the file: the first read wins (DOMAIN §7).
    expect(rows).toEqual([{ name: 'logic_cond', value: 'Warning|237|25||MAGAZINE DOOR OPENED' }]);
    const nan = await sql<{ n: number }>`
      select count(*)::int as n from variable_log_float f join variable v on v.id = f.id_var
      where v.name = 'Stemp' and f.value = 'NaN'`.execute(raw.db);
    expect(nan.rows[0]!.n).toBeGreaterThan(0);
  });

  it('keeps file order as event order: per key, the rows of each day by date follow the lines of its file', async () => {
    const variables = await raw.db.selectFrom('variable').select(['id', 'name', 'datatype']).execute();
    const nameOf = new Map(variables.map((v) => [v.id, v.name]));
    const floatKeys = new Set(variables.filter((v) => v.datatype === 'java.lang.Double').map((v) => v.name));
    let checkedKeys = 0;
    for (const path of FILES) {
      const { dayStartMs, day } = parseShdrFileName(path)!;
      // File order of each key's values after the stale block (every real line is `ts|key|value…`).
      const inFile = new Map<string, string[]>();
      let stale = true;
      for (const line of gunzipSync(readFileSync(path)).toString('utf8').split('\n')) {
        if (!line) continue;
        const [ts, key, ...value] = line.replace(/\r$/, '').split('|');
        if (stale && ts!.slice(0, 10) < day) continue;
        stale = false;
        if (!inFile.has(key!)) inFile.set(key!, []);
        inFile.get(key!)!.push(value.join('|'));
      }
      if (inFile.size === 0) continue;
      const { rows } = await sql<{ id_var: number; value: string }>`
        select id_var, value from (
          select id_var, date, value::text as value from variable_log_float union all
          select id_var, date, value from variable_log_string) r
        where date >= ${dayStartMs} and date < ${dayStartMs + 86_400_000}
        order by id_var, date`.execute(raw.db);
      const inDb = new Map<string, string[]>();
      for (const row of rows) {
        const name = nameOf.get(row.id_var)!;
        if (!inDb.has(name)) inDb.set(name, []);
        inDb.get(name)!.push(row.value);
      }
      for (const [key, fileValues] of inFile) {
        const same = (db: string, file: string) =>
          !floatKeys.has(key)
            ? db === file
            : file === 'UNAVAILABLE'
              ? db === 'NaN'
              : Math.fround(Number(db)) === Math.fround(Number(file));
        const dbValues = inDb.get(key) ?? [];
        // Every row is a line of the file, in the file's order; only same-millisecond repeats are gone.
        let i = 0;
        for (const value of dbValues) {
          while (i < fileValues.length && !same(value, fileValues[i]!)) i++;
          expect(i, `${day} ${key}: ${value} out of file order`).toBeLessThan(fileValues.length);
          i++;
        }
        // The day ends as the file does: the disconnect's UNAVAILABLE, stamped earlier, is the last reading.
        expect(
          same(dbValues.at(-1)!, fileValues.at(-1)!),
          `${day} ${key} ends with ${fileValues.at(-1)}`,
        ).toBe(true);
        checkedKeys++;
      }
      expect(inDb.get('execution')?.at(-1)).toBe('UNAVAILABLE');
    }
    expect(checkedKeys).toBeGreaterThan(500);
  });

  it('re-importing writes nothing and leaves identical tables', async () => {
    const before = await digests(raw.db);
    const again = await importShdr({ target: raw.url, files: FILES, devicesXml: DEVICES });
    expect(again.totals.written).toBe(0);
    expect(again.created).toEqual([]);
    expect(await digests(raw.db)).toEqual(before);
    expect(await tableCounts(raw.db)).toEqual({ variables: 86, float: 251_324, string: 9_733 });
  });
});

describe('importShdr through Kysely (multi-row INSERTs)', () => {
  let insert: TestDatabase<RawDatabase>;

  beforeAll(async () => {
    insert = await createTestDatabase('raw');
  });
  afterAll(async () => {
    await insert?.drop();
  });

  it('writes the same tables as COPY on PostgreSQL', async () => {
    const result = await importShdr({ target: insert.db, files: FILES, devicesXml: DEVICES });
    expect(result.method).toBe('insert');
    expect(result.totals.written).toBe(261_057);
    expect(await digests(insert.db)).toEqual(await digests(raw.db));
  });

  it('on PGlite, imports a few days as PostgreSQL does, and again adds nothing', async () => {
    const days = FILES.filter((f) => /-(20190621|20190622|20190624)-/.test(f));
    const pglite = createDb<RawDatabase>('pglite:memory');
    try {
      const reference = await createTestDatabase('raw');
      try {
        await importShdr({ target: reference.url, files: days, devicesXml: DEVICES });
        const result = await importShdr({ target: pglite, files: days, devicesXml: DEVICES });
        expect(result.totals.written).toBeGreaterThan(17_000);
        expect(await digestByName(pglite)).toBe(await digestByName(reference.db));
        const again = await importShdr({ target: pglite, files: days, devicesXml: DEVICES });
        expect(again.totals.written).toBe(0);
      } finally {
        await reference.drop();
      }
    } finally {
      await pglite.destroy();
    }
  });
});
