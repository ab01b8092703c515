/**
 * Fixtures of the ETL integration tests (imported only by `*.int.test.ts`): a machine on a built-in
 * profile, a file's test databases, and raw rows written from the tuples the tests spell them in.
 */
import { builtInProfiles, type Machine } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { rawChangeCounter } from './raw-changes.ts';

/** An ISO instant as epoch milliseconds, as the raw schema's `date` holds it. */
export const T = (iso: string): number => Date.parse(iso);

/** A machine on a built-in profile: `press-07` ("Press 07") in Europe/Madrid unless `fields` say otherwise. */
export function testMachine(profile: 'logger' | 'mtconnect', fields: Partial<Machine> = {}): Machine {
  return {
    id: 'press-07',
    name: 'Press 07',
    rawDatabaseUrl: 'postgres://unused',
    timezone: 'Europe/Madrid',
    profileName: profile,
    profile: builtInProfiles[profile],
    ...fields,
  };
}

export type Variable = [id: number, name: string, datatype: string];
export type FloatRow = [id: number, iso: string, value: number | null];
export type StringRow = [id: number, iso: string, value: string | null];
export interface Seed {
  variables?: Variable[];
  float?: FloatRow[];
  string?: StringRow[];
}

/** Writes the rows with one insert per table (none for an empty list); instants are ISO strings. */
export async function seedRaw(
  db: Kysely<RawDatabase>,
  { variables = [], float = [], string = [] }: Seed,
): Promise<void> {
  if (variables.length > 0)
    await db
      .insertInto('variable')
      .values(variables.map(([id, name, datatype]) => ({ id, name, datatype })))
      .execute();
  if (float.length > 0)
    await db
      .insertInto('variable_log_float')
      .values(float.map(([id_var, iso, value]) => ({ id_var, date: T(iso), value })))
      .execute();
  if (string.length > 0)
    await db
      .insertInto('variable_log_string')
      .values(string.map(([id_var, iso, value]) => ({ id_var, date: T(iso), value })))
      .execute();
}

type Kind = 'agg' | 'raw';
type Schema<K extends Kind> = K extends 'agg' ? AggDatabase : RawDatabase;
/** A database of the file's: usable from its `beforeAll` on; the fixture drops it. */
export type FileDatabase<DB> = Pick<TestDatabase<DB>, 'name' | 'url' | 'db'>;

/**
 * The test file's own databases, one per kind asked for: created together in a `beforeAll`, dropped
 * in an `afterAll`. Call it at the top of the file, before the hooks that fill them.
 *
 * @example
 * const [agg, raw] = testDatabases('agg', 'raw');
 */
export function testDatabases<const K extends Kind[]>(
  ...kinds: K
): { [I in keyof K]: FileDatabase<Schema<K[I]>> } {
  let made: Array<TestDatabase<AggDatabase> | TestDatabase<RawDatabase>> = [];
  beforeAll(async () => {
    made = await Promise.all(
      kinds.map((kind) => (kind === 'agg' ? createTestDatabase('agg') : createTestDatabase('raw'))),
    );
  });
  afterAll(async () => {
    await Promise.all(made.map((d) => d.drop()));
  });
  const current = (i: number, kind: Kind) => {
    const d = made[i];
    if (d === undefined) throw new Error(`the ${kind} test database exists from beforeAll on`);
    return d;
  };
  return kinds.map((kind, i) => ({
    get name() {
      return current(i, kind).name;
    },
    get url() {
      return current(i, kind).url;
    },
    get db() {
      return current(i, kind).db;
    },
  })) as { [I in keyof K]: FileDatabase<Schema<K[I]>> };
}

/**
 * `seed(rows)` gives a fresh raw database holding the rows, for a scenario of its own (the horizon
 * is per raw database); every one is dropped after the file's tests.
 */
export function rawDatabasePerSeed(): (seed: Seed) => Promise<TestDatabase<RawDatabase>> {
  const raws: Array<TestDatabase<RawDatabase>> = [];
  afterAll(async () => {
    await Promise.all(raws.map((r) => r.drop()));
  });
  return async (seed) => {
    const raw = await createTestDatabase('raw');
    raws.push(raw);
    await seedRaw(raw.db, seed);
    return raw;
  };
}

/**
 * Writes raw rows on one connection and has its statistics reach `pg_stat_user_tables` as soon as it
 * is idle (they would otherwise wait up to 10 s): returns once the modification counter moved.
 */
export async function writeRaw(
  raw: Kysely<RawDatabase>,
  write: (raw: Kysely<RawDatabase>) => Promise<unknown>,
): Promise<void> {
  const before = await rawChangeCounter(raw);
  await raw.connection().execute(async (connection) => {
    await write(connection);
    await sql`select pg_stat_force_next_flush()`.execute(connection);
  });
  const deadline = Date.now() + 20_000;
  while ((await rawChangeCounter(raw)) === before) {
    if (Date.now() > deadline) throw new Error('the raw database statistics never showed the write');
    await new Promise((r) => setTimeout(r, 100));
  }
}
