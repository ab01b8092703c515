import type { Kysely } from 'kysely';
import { openDb, parseDbUrl } from './create-db.ts';
import type { RawDatabase } from './types.ts';

/** What a pool reports for metrics (a `pg.Pool` has exactly these). */
export interface PoolStats {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

export interface RawPoolsOptions {
  /** Connections per machine (PostgreSQL; PGlite has one). */
  max?: number;
  /** Shown in `pg_stat_activity`, so a raw database's DBA sees who reads it. */
  applicationName: string;
  /** Where connection errors go (log them); they never crash the process. */
  onConnectionError?: (error: Error, machineId: string) => void;
  /**
   * PGlite raw databases stay writable (the demo seeds them in process, then locks them itself).
   * PostgreSQL raw databases are always opened read-only.
   */
  writablePglite?: boolean;
  /** Called when a machine's pool opens (`null` for PGlite), e.g. to report its usage in `/metrics`. */
  onOpen?: (machineId: string, pool: PoolStats | null) => void;
}

/**
 * The one cache of per-machine raw database pools (API, worker, CLI, demo): each machine's pool is
 * opened read-only on first use and reused; `destroyAll` closes them.
 *
 * @example
 * const raws = new RawPools({ applicationName: 'mm-worker', max: 2, onConnectionError: (err, machine) => logger.warn({ err, machine }, 'raw connection lost') });
 * await raws.rawDb(machine).selectFrom('variable').selectAll().execute();
 * await raws.destroyAll();
 */
export class RawPools {
  private readonly dbs = new Map<string, { db: Kysely<RawDatabase>; pool: PoolStats | null }>();

  constructor(private readonly options: RawPoolsOptions) {}

  /** The machine's raw database, opened on first use. */
  rawDb(machine: { id: string; rawDatabaseUrl: string }): Kysely<RawDatabase> {
    return this.entry(machine).db;
  }

  /** Pool usage per machine id (PostgreSQL pools only), for `/metrics`. */
  poolStats(): Map<string, PoolStats> {
    const stats = new Map<string, PoolStats>();
    for (const [id, { pool }] of this.dbs) if (pool) stats.set(id, pool);
    return stats;
  }

  /** The machine's pool (`null` for PGlite), opening it if needed. */
  pool(machine: { id: string; rawDatabaseUrl: string }): PoolStats | null {
    return this.entry(machine).pool;
  }

  /** Closes every pool; the cache can be used again afterwards (it reopens). */
  async destroyAll(): Promise<void> {
    const all = [...this.dbs.values()];
    this.dbs.clear();
    const results = await Promise.allSettled(all.map(({ db }) => db.destroy()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw new Error('could not close every raw database pool', { cause: failed.reason });
  }

  private entry(machine: { id: string; rawDatabaseUrl: string }) {
    let entry = this.dbs.get(machine.id);
    if (!entry) {
      const target = parseDbUrl(machine.rawDatabaseUrl);
      const { onConnectionError } = this.options;
      const opened = openDb<RawDatabase>(machine.rawDatabaseUrl, {
        readOnly: target.kind === 'postgres' || !this.options.writablePglite,
        max: this.options.max ?? 4,
        applicationName: this.options.applicationName,
        ...(onConnectionError ? { onConnectionError: (error) => onConnectionError(error, machine.id) } : {}),
      });
      entry = { db: opened.db, pool: opened.pool };
      this.dbs.set(machine.id, entry);
      this.options.onOpen?.(machine.id, opened.pool);
    }
    return entry;
  }
}
