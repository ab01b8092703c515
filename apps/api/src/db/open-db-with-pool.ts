import { createRequire } from 'node:module';
import { type CreateDbOptions, createDb } from '@mm/db';
import type { Kysely } from 'kysely';
import type { PoolUsage } from '../deps.ts';

// `createDb` keeps its pg.Pool inside Kysely's dialect, where nothing can reach it, and `/metrics`
// wants its usage. Until @mm/db returns the pool, we watch which pool `createDb` constructs: the same
// `pg` module instance @mm/db imports, its `Pool` swapped for a recording subclass for the duration
// of that one synchronous call. The pool is created exactly as `createDb` configures it.
const pg = createRequire(import.meta.resolve('@mm/db'))('pg') as { Pool: new (...args: any[]) => PoolUsage };

/**
 * `createDb(url, options)` plus the pg pool behind it (`null` for PGlite, which has no pool).
 *
 * @example
 * const { db, pool } = openDbWithPool<AggDatabase>(config.aggDatabaseUrl);
 * createApp({ ..., aggDb: db, pools: pool ? { agg: pool } : {} });
 */
export function openDbWithPool<DB>(
  url: string,
  options: CreateDbOptions = {},
): { db: Kysely<DB>; pool: PoolUsage | null } {
  const Original = pg.Pool;
  let pool: PoolUsage | null = null;
  pg.Pool = class RecordedPool extends Original {
    constructor(...args: any[]) {
      super(...args);
      pool = this;
    }
  };
  try {
    const db = createDb<DB>(url, options);
    return { db, pool };
  } finally {
    pg.Pool = Original;
  }
}
