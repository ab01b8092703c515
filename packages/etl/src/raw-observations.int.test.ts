import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedSmallPlant } from './cli/small-plant.fixture.ts';
import { rawChangeCounter } from './raw-changes.ts';
import { runEtl } from './runner.ts';
import { T, testDatabases, testMachine, writeRaw } from './test-fixtures.ts';

// A queue runs each ETL of a day as its own job; the day's raw observation (fingerprint, carried
// state) is taken by the first and reused by the others while the raw database is unchanged.
const [agg, raw] = testDatabases('agg', 'raw');
const machine = testMachine('logger');
const DAY = '2024-01-11';

beforeAll(async () => {
  await writeRaw(raw.db, (db) => seedSmallPlant(db));
});

const ledgerRawRows = async (etl: string) =>
  (
    await sql<{ raw_rows: number | null; raw_changes: number | null }>`
      select raw_rows, raw_changes from etl_runs where machine_id = ${machine.id} and etl = ${etl} and day = ${DAY}::date`.execute(
      agg.db,
    )
  ).rows[0];

/** Waits until two reads of the modification counter a moment apart agree (no write in flight). */
async function settledCounter(): Promise<number> {
  for (;;) {
    const first = await rawChangeCounter(raw.db);
    await new Promise((r) => setTimeout(r, 300));
    if (first !== null && first === (await rawChangeCounter(raw.db))) return first;
  }
}

describe('the raw observation of a (machine, day)', () => {
  it("is taken by the day's first run and reused by the next ETL's run while the raw counter is unchanged", async () => {
    const counter = await settledCounter();
    await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl: 'energy', day: DAY });
    const first = await ledgerRawRows('energy');
    expect(first?.raw_rows).toBeGreaterThan(0);
    expect(Number(first?.raw_changes)).toBe(counter);
    const { rows } = await sql<{ raw_rows: number; raw_changes: number }>`
      select raw_rows, raw_changes from raw_observations where machine_id = ${machine.id} and day = ${DAY}::date`.execute(
      agg.db,
    );
    expect(rows.map((r) => [Number(r.raw_rows), Number(r.raw_changes)])).toEqual([
      [Number(first?.raw_rows), counter],
    ]);

    // Marked, so that a reuse shows: the programs run records the stored count, not a recount.
    await sql`update raw_observations set raw_rows = raw_rows + 1000`.execute(agg.db);
    await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl: 'programs', day: DAY });
    expect(Number((await ledgerRawRows('programs'))?.raw_rows)).toBe(Number(first?.raw_rows) + 1000);
  });

  it('is taken again once raw rows arrived (the counter moved), and kept for the next run', async () => {
    const before = Number((await ledgerRawRows('energy'))?.raw_rows);
    await writeRaw(raw.db, (db) =>
      db
        .insertInto('variable_log_float')
        .values({ id_var: 1, date: T('2024-01-11T05:00:00.5Z'), value: 2040 })
        .execute(),
    );
    const counter = await settledCounter();
    await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl: 'alerts', day: DAY });
    const after = await ledgerRawRows('alerts');
    expect(Number(after?.raw_rows)).toBe(before + 1);
    expect(Number(after?.raw_changes)).toBe(counter);
    const { rows } = await sql<{ raw_rows: number }>`
      select raw_rows from raw_observations where machine_id = ${machine.id} and day = ${DAY}::date`.execute(
      agg.db,
    );
    expect(rows.map((r) => Number(r.raw_rows))).toEqual([before + 1]);
  });

  it("is taken once when two runs of the day's ETLs start together (two workers), and both record it", async () => {
    const day = '2024-01-10';
    // Every write of the day's observation, counted where it happens.
    await sql`
      create table observation_writes (day date not null);
      create function count_observation_write() returns trigger language plpgsql as $$
        begin insert into observation_writes values (new.day); return new; end $$;
      create trigger count_observation_write after insert or update on raw_observations
        for each row execute function count_observation_write()`.execute(agg.db);
    const counter = await settledCounter();
    for (let round = 0; round < 3; round++) {
      await sql`delete from raw_observations where day = ${day}::date`.execute(agg.db);
      await sql`truncate observation_writes`.execute(agg.db);
      const runs = await Promise.all(
        (['energy', 'programs'] as const).map((etl) =>
          runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl, day }),
        ),
      );
      expect(runs.map((r) => r.etl)).toEqual(['energy', 'programs']);
      const writes = await sql<{ n: number }>`select count(*)::int as n from observation_writes`.execute(
        agg.db,
      );
      expect(writes.rows[0]?.n).toBe(1);
      const { rows } = await sql<{ etl: string; raw_rows: number; raw_changes: number }>`
        select etl, raw_rows, raw_changes from etl_runs
        where machine_id = ${machine.id} and day = ${day}::date and etl in ('energy', 'programs') order by etl`.execute(
        agg.db,
      );
      expect(rows.map((r) => Number(r.raw_changes))).toEqual([counter, counter]);
      expect(Number(rows[0]?.raw_rows)).toBeGreaterThan(0);
      expect(Number(rows[1]?.raw_rows)).toBe(Number(rows[0]?.raw_rows));
    }
  });
});
