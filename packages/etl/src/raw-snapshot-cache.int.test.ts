import type { RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedSmallPlant } from './cli/small-plant.fixture.ts';
import { computeHorizon } from './horizon.ts';
import { type RawChangeMark, rawChangeMark } from './raw-changes.ts';
import { snapshotFacts } from './raw-snapshot-cache.ts';
import { resolveRoles } from './roles.ts';
import { runEtl } from './runner.ts';
import { SignalCatalog } from './signal-catalog.ts';
import { T, testDatabases, testMachine, writeRaw } from './test-fixtures.ts';

const [agg, raw] = testDatabases('agg', 'raw');
const machine = testMachine('logger');

beforeAll(async () => {
  await writeRaw(raw.db, (db) => seedSmallPlant(db));
});

const snapshot = <T>(read: (trx: Kysely<RawDatabase>) => Promise<T>) =>
  raw.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read);
const facts = (mark: RawChangeMark | null) => snapshot((trx) => snapshotFacts(trx, raw.db, mark, machine));
/** The horizon read directly, without any cache. */
const horizonNow = () =>
  snapshot(async (trx) => {
    const catalog = await SignalCatalog.load(trx);
    return computeHorizon(trx, resolveRoles(machine, catalog), catalog);
  });
const laterReading = (iso: string) =>
  writeRaw(raw.db, (db) =>
    db
      .insertInto('variable_log_float')
      .values({ id_var: 2, date: T(iso), value: 255 })
      .execute(),
  );

describe('the facts of a raw snapshot (catalog, roles, horizon)', () => {
  it('are reused while the raw change mark is unchanged and read again once it moved', async () => {
    const mark = await rawChangeMark(raw.db);
    expect(mark).not.toBeNull();
    const first = await facts(mark);
    expect(first.horizon).toBe(await horizonNow());
    expect(first.catalog.variables.map((v) => v.id)).toEqual([1, 2, 3, 4, 5, 6]);

    await laterReading('2024-01-13T10:00:00Z');
    // Under the old mark a run gets what was read before the reading arrived: nothing was read again.
    const reused = await facts(mark);
    expect(reused.catalog).toBe(first.catalog);
    expect(reused.horizon).toBe(first.horizon);

    const moved = await rawChangeMark(raw.db);
    expect(moved?.mark).not.toBe(mark?.mark);
    const fresh = await facts(moved);
    expect(fresh.catalog).not.toBe(first.catalog);
    expect(fresh.horizon).toBe(T('2024-01-13T10:00:00Z'));
    expect(fresh.horizon).toBe(await horizonNow());
  });

  it('are read every time without a mark (PGlite, a standby)', async () => {
    const first = await facts(null);
    const second = await facts(null);
    expect(second.catalog).not.toBe(first.catalog);
    expect(second.horizon).toBe(first.horizon);
  });

  it("are not reused by a queue job's run once a later reading arrived: the run sees the new horizon", async () => {
    const day = '2024-01-13';
    const before = await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl: 'sensor-stats', day });
    expect(before.horizon).toBe(await horizonNow());
    await laterReading('2024-01-13T20:00:00Z');
    const after = await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl: 'sensor-stats', day });
    expect(after.horizon).toBe(T('2024-01-13T20:00:00Z'));
    expect(after.horizon).toBeGreaterThan(before.horizon ?? 0);
  });

  it('tell a truncated table from the one before at once, before its statistics could count anything', async () => {
    const before = await rawChangeMark(raw.db);
    const cached = await facts(before);
    expect(cached.horizon).not.toBeNull();
    // Statistics do not count the rows a truncate removes; the table's new file node tells.
    await sql`truncate variable_log_float`.execute(raw.db);
    const after = await rawChangeMark(raw.db);
    expect(after?.mark).not.toBe(before?.mark);
    const fresh = await facts(after);
    expect(fresh.horizon).toBe(await horizonNow());
    expect(fresh.horizon).not.toBe(cached.horizon);
  });
});
