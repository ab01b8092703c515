import { type Kysely, type MigrationResultSet, Migrator } from 'kysely';
import { migrations } from './migrations/index.ts';
import type { AggDatabase } from './types.ts';

/**
 * Brings the aggregation database to the latest schema. Idempotent: applied migrations are skipped,
 * and concurrent callers are serialised by Kysely's migration lock.
 *
 * @example
 * const { applied } = await migrateToLatest(db);
 */
export async function migrateToLatest(db: Kysely<AggDatabase>): Promise<{ applied: string[] }> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    // No failed migration: the database could not be used at all (unreachable, no such database).
    if (!failed) throw result.error;
    throw new Error(`migration ${failed} failed`, { cause: result.error });
  }
  return {
    applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
  };
}
