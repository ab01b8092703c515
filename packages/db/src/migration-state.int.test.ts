import { createTestDatabase } from '@mm/testing';
import { type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from './create-db.ts';
import { migrateToLatest } from './migrate.ts';
import { assertMigrated, migrationState, NOT_MIGRATED_MESSAGE, NotMigratedError } from './migration-state.ts';
import { migrations } from './migrations/index.ts';
import type { AggDatabase } from './types.ts';

const all = Object.keys(migrations).sort();

describe('migrationState', () => {
  it('says a database without the schema has every migration pending, and a migrated one none', async () => {
    const fresh = await createTestDatabase('raw'); // no aggregation schema at all
    afterAll(() => fresh.drop());
    expect(await migrationState(fresh.db)).toEqual({ migrated: false, pending: all });
    await expect(assertMigrated(fresh.db)).rejects.toThrow(NOT_MIGRATED_MESSAGE);

    await migrateToLatest(fresh.db as unknown as Kysely<AggDatabase>);
    expect(await migrationState(fresh.db)).toEqual({ migrated: true, pending: [] });
    await expect(assertMigrated(fresh.db)).resolves.toBeUndefined();
  });

  it('says a database behind the code (its latest migration missing) is not migrated', async () => {
    const agg = await createTestDatabase('agg');
    afterAll(() => agg.drop());
    const latest = all.at(-1)!;
    await sql`delete from kysely_migration where name = ${latest}`.execute(agg.db);
    expect(await migrationState(agg.db)).toEqual({ migrated: false, pending: [latest] });
    const error = await assertMigrated(agg.db).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotMigratedError);
    expect((error as NotMigratedError).pending).toEqual([latest]);
  });

  it('lets a connection failure through instead of calling the database unmigrated', async () => {
    const unreachable = createDb('postgres://postgres@127.0.0.1:1/agg', { max: 1 });
    afterAll(() => unreachable.destroy());
    await expect(migrationState(unreachable)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
