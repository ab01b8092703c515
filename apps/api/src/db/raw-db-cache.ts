import type { Machine } from '@mm/config';
import { openDb, type RawDatabase } from '@mm/db';
import type { Kysely } from 'kysely';
import type { PoolUsage } from '../deps.ts';

/**
 * One read-only pool per machine's raw database, opened on first use and reused; `destroyAll` closes
 * them at shutdown. Each pool is also put in `pools` (as `raw:<machine>`) for `/metrics`.
 *
 * @example
 * const raw = rawDbCache({ pools });
 * createApp({ ..., rawDbFor: raw.rawDbFor });
 * await raw.destroyAll();
 */
export function rawDbCache(options: { pools?: Record<string, PoolUsage>; max?: number } = {}) {
  const dbs = new Map<string, Kysely<RawDatabase>>();
  return {
    rawDbFor(machine: Machine): Kysely<RawDatabase> {
      let db = dbs.get(machine.id);
      if (!db) {
        const opened = openDb<RawDatabase>(machine.rawDatabaseUrl, {
          readOnly: true,
          max: options.max ?? 4,
          applicationName: 'machine-monitoring-api',
        });
        db = opened.db;
        dbs.set(machine.id, db);
        if (opened.pool && options.pools) options.pools[`raw:${machine.id}`] = opened.pool;
      }
      return db;
    },
    async destroyAll(): Promise<void> {
      const all = [...dbs.values()];
      dbs.clear();
      await Promise.allSettled(all.map((db) => db.destroy()));
    },
  };
}
