import { type Kysely, sql } from 'kysely';
import { migrations } from './migrations/index.ts';

/** The one sentence every process uses for a database behind the code's migrations. */
export const NOT_MIGRATED_MESSAGE = 'aggregation database is not migrated: run pnpm db:migrate';

/** Kysely's bookkeeping table (the Migrator's default), one row per applied migration. */
const MIGRATION_TABLE = 'kysely_migration';

/** How the aggregation database compares with the code's migration list. */
export interface MigrationState {
  /** True when every migration of the code has been applied. */
  migrated: boolean;
  /** The code's migrations not applied yet, in order. */
  pending: string[];
}

/**
 * Compares the migrations applied to `db` with the code's list: one small query, cheap enough to run
 * per request behind a short cache. A database without the bookkeeping table has every migration
 * pending. A database *ahead* of the code (applied migrations it does not know) counts as migrated:
 * it is a newer deploy's, and that is a release problem, not this check's.
 *
 * @example
 * const { migrated, pending } = await migrationState(aggDb);
 */
export async function migrationState<DB>(db: Kysely<DB>): Promise<MigrationState> {
  const all = Object.keys(migrations).sort();
  let applied: Set<string>;
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
    applied = new Set(rows.map((r) => r.name));
  } catch (error) {
    // 42P01: undefined_table, i.e. never migrated. Anything else (unreachable) is the caller's to handle.
    if ((error as { code?: unknown }).code !== '42P01') throw error;
    applied = new Set();
  }
  const pending = all.filter((name) => !applied.has(name));
  return { migrated: pending.length === 0, pending };
}

/** Thrown by {@link assertMigrated}; its message is {@link NOT_MIGRATED_MESSAGE}. */
export class NotMigratedError extends Error {
  override name = 'NotMigratedError';
  constructor(readonly pending: string[]) {
    super(NOT_MIGRATED_MESSAGE);
  }
}

/**
 * Throws {@link NotMigratedError} unless every migration of the code has been applied to `db`: a
 * worker or CLI calls it before touching the aggregates, so a forgotten `pnpm db:migrate` is one
 * clear sentence instead of a failure per slice.
 *
 * @example
 * await assertMigrated(aggDb); // NotMigratedError: aggregation database is not migrated: run pnpm db:migrate
 */
export async function assertMigrated<DB>(db: Kysely<DB>): Promise<void> {
  const state = await migrationState(db);
  if (!state.migrated) throw new NotMigratedError(state.pending);
}
