import { type CreateDbOptions, openDb } from '@mm/db';
import type { Kysely } from 'kysely';
import type { PoolUsage } from '../deps.ts';

/**
 * `createDb(url, options)` plus the pg pool behind it (`null` for PGlite, which has no pool), so
 * `/metrics` can report pool usage.
 *
 * @example
 * const { db, pool } = openDbWithPool<AggDatabase>(config.aggDatabaseUrl);
 * createApp({ ..., aggDb: db, pools: pool ? { agg: pool } : {} });
 */
export function openDbWithPool<DB>(
  url: string,
  options: CreateDbOptions = {},
): { db: Kysely<DB>; pool: PoolUsage | null } {
  return openDb<DB>(url, options);
}
