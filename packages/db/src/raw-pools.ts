import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import { openDb, parseDbUrl, type SessionLimits } from './create-db.ts';
import type { RawDatabase } from './types.ts';

/** What a pool reports for metrics (a `pg.Pool` has exactly these). */
export interface PoolStats {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/** A PostgreSQL server's connection limits, read on a connection the process opened anyway. */
export interface ServerLimits {
  /** `max_connections`. */
  maxConnections: number;
  /** Slots only superusers (and, from PostgreSQL 16, `pg_use_reserved_connections`) may use. */
  reserved: number;
}

export interface RawPoolsOptions {
  /** Shown in `pg_stat_activity`, so a raw database's DBA sees who reads it. */
  applicationName: string;
  /**
   * Raw connections this process holds open at most, all raw databases together (PostgreSQL; PGlite
   * has one). A query that needs one more waits until one is free; an idle connection of another
   * database is closed to make room.
   */
  maxConnections: number;
  /** How long an unused connection stays open (default 10 s): long enough for the next job of the same database. */
  idleTimeoutMs?: number;
  /**
   * Pools kept open at most (least recently used closed first, never one in use). Unset: no limit
   * (their connections still close when idle).
   */
  maxPools?: number;
  /** Where connection errors go (log them); they never crash the process. */
  onConnectionError?: (error: Error, database: string) => void;
  /**
   * PGlite raw databases stay writable (the demo seeds them in process, then locks them itself).
   * PostgreSQL raw databases are always opened read-only.
   */
  writablePglite?: boolean;
  /** Limits of every raw session (PostgreSQL), e.g. a statement timeout sized to the slowest slice. */
  session?: SessionLimits;
  /** Called when a database's pool opens (`null` for PGlite), e.g. to report its usage in `/metrics`. */
  onOpen?: (database: string, pool: PoolStats | null) => void;
  /**
   * Called once per PostgreSQL server (`host:port`), with its limits read on the first connection
   * this process opened to it (one `select`, no connection of its own): the connection-budget check.
   */
  onServer?: (server: string, limits: ServerLimits) => void;
}

/** Where a raw database URL points, without its credentials: `host:port/database`. */
export function rawDatabaseLabel(url: string): string {
  const target = parseDbUrl(url);
  if (target.kind === 'pglite') return `pglite:${target.dataDir ?? 'memory'}`;
  const parsed = new URL(target.url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default)';
  return `${rawServerLabel(url)}/${database}`;
}

/** The PostgreSQL server a raw database URL points at, `host:port` (PGlite: its directory). */
export function rawServerLabel(url: string): string {
  const target = parseDbUrl(url);
  if (target.kind === 'pglite') return `pglite:${target.dataDir ?? 'memory'}`;
  const parsed = new URL(target.url);
  const host = parsed.searchParams.get('host') ?? (decodeURIComponent(parsed.hostname) || 'localhost');
  return `${host}:${parsed.port || '5432'}`;
}

interface Entry {
  url: string;
  label: string;
  /** The Kysely handed out for this database; it outlives its pg pool (reopened on demand). */
  db: Kysely<RawDatabase>;
  pool: pg.Pool | null;
  /** Connections of this pool checked out now. */
  inUse: number;
  lastUsed: number;
}

/**
 * The one cache of raw database pools (API, worker, scheduler, CLI, demo), keyed by **database**: the
 * machines that share a raw database URL share its pool, and a server hosting many raw databases gets
 * one pool per database. The whole cache holds at most `maxConnections` raw connections, idle ones
 * included: a query waits for a free one, an idle connection of the least recently used other database
 * is closed to make room, idle connections close after `idleTimeoutMs`, and with `maxPools` the least
 * recently used pools not in use are closed. So a worker of concurrency N holds at most N raw
 * connections however many raw databases it serves.
 *
 * @example
 * const raws = new RawPools({ applicationName: 'mm-worker', maxConnections: 2, maxPools: 8 });
 * await raws.rawDb(machine).selectFrom('variable').selectAll().execute();
 * await raws.destroyAll();
 */
export class RawPools {
  private readonly entries = new Map<string, Entry>();
  private readonly pglite = new Map<string, Kysely<RawDatabase>>();
  private readonly serversSeen = new Set<string>();
  private checkedOut = 0;
  /** Connections of closed pools whose server side has not ended yet: they still hold a slot. */
  private closingConnections = 0;
  private readonly closing = new Set<Promise<void>>();
  private readonly slotWaiters: Array<() => void> = [];
  /** Opening connections one at a time keeps the count exact (no two make room for the same slot). */
  private opening: Promise<void> = Promise.resolve();

  constructor(private readonly options: RawPoolsOptions) {
    if (!(options.maxConnections >= 1)) throw new Error('RawPools: maxConnections must be at least 1');
  }

  /** The machine's raw database (read-only for PostgreSQL); its pool opens on first use. */
  rawDb(machine: { rawDatabaseUrl: string }): Kysely<RawDatabase> {
    const url = machine.rawDatabaseUrl;
    if (parseDbUrl(url).kind === 'pglite') return this.pgliteDb(url);
    return this.entry(url).db;
  }

  /** Raw connections open now (in use, idle, or still closing), all databases together. */
  get openConnections(): number {
    let total = this.closingConnections;
    for (const entry of this.entries.values()) total += entry.pool?.totalCount ?? 0;
    return total;
  }

  /** Raw connections in use now. */
  get busyConnections(): number {
    return this.checkedOut;
  }

  /** Pools open now. */
  get openPools(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.pool) n++;
    return n;
  }

  /** Pool usage per raw database (`host:port/database`), for `/metrics`. */
  poolStats(): Map<string, PoolStats> {
    const stats = new Map<string, PoolStats>();
    for (const entry of this.entries.values()) if (entry.pool) stats.set(entry.label, entry.pool);
    return stats;
  }

  /** Closes every pool; the cache can be used again afterwards (pools reopen on demand). */
  async destroyAll(): Promise<void> {
    const pools = [...this.entries.values()].flatMap((e) => (e.pool ? [e.pool] : []));
    for (const entry of this.entries.values()) entry.pool = null;
    const pglite = [...this.pglite.values()];
    this.pglite.clear();
    const results = await Promise.allSettled([
      ...pools.map((pool) => pool.end()),
      ...pglite.map((db) => db.destroy()),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw new Error('could not close every raw database pool', { cause: failed.reason });
  }

  private pgliteDb(url: string): Kysely<RawDatabase> {
    let db = this.pglite.get(url);
    if (!db) {
      db = openDb<RawDatabase>(url, { readOnly: !this.options.writablePglite }).db;
      this.pglite.set(url, db);
      this.options.onOpen?.(rawDatabaseLabel(url), null);
    }
    return db;
  }

  private entry(url: string): Entry {
    let entry = this.entries.get(url);
    if (!entry) {
      const label = rawDatabaseLabel(url);
      const created: Entry = { url, label, db: null as never, pool: null, inUse: 0, lastUsed: 0 };
      // A pool of our own whose connect() goes through the budget; end() is a no-op because the pg
      // pool behind it may be closed and reopened many times while this Kysely lives on.
      const budgeted: PostgresPool = {
        connect: () => this.connect(created),
        end: async () => {},
      };
      created.db = new Kysely<RawDatabase>({ dialect: new PostgresDialect({ pool: budgeted }) });
      this.entries.set(url, created);
      entry = created;
    }
    return entry;
  }

  private async connect(entry: Entry): Promise<PostgresPoolClient> {
    await this.takeSlot();
    let client: pg.PoolClient;
    try {
      // Room is made and the connection started one caller at a time, so the count of open
      // connections stays exact; waiting for the connection itself happens outside, so one
      // unreachable database never holds up the others.
      const connecting = await this.serialised(async () => {
        entry.lastUsed = performance.now();
        const pool = this.openPool(entry);
        if (pool.idleCount === 0) await this.makeRoom(entry);
        entry.inUse++;
        return { promise: pool.connect() };
      });
      try {
        client = await connecting.promise;
      } catch (error) {
        entry.inUse--;
        throw error;
      }
    } catch (error) {
      this.giveSlot();
      throw error;
    }
    const release = client.release;
    let released = false;
    // pg-pool sets `release` afresh on every checkout, so wrapping it here affects this checkout only.
    client.release = (error?: Error | boolean) => {
      if (released) return release(error);
      released = true;
      entry.inUse--;
      entry.lastUsed = performance.now();
      release(error);
      this.giveSlot();
      this.closeSurplusPools();
    };
    await this.checkServer(entry, client);
    return client as unknown as PostgresPoolClient;
  }

  private openPool(entry: Entry): pg.Pool {
    if (entry.pool) return entry.pool;
    const { onConnectionError } = this.options;
    const { pool } = openDb<RawDatabase>(entry.url, {
      readOnly: true,
      // Never more than the whole cache may hold; the budget decides who gets one.
      max: this.options.maxConnections,
      applicationName: this.options.applicationName,
      idleTimeoutMs: this.options.idleTimeoutMs ?? 10_000,
      ...(this.options.session ? { session: this.options.session } : {}),
      ...(onConnectionError ? { onConnectionError: (error) => onConnectionError(error, entry.label) } : {}),
    });
    if (!pool) throw new Error(`not a PostgreSQL URL: ${entry.label}`);
    entry.pool = pool;
    this.options.onOpen?.(entry.label, pool);
    return pool;
  }

  /** Closes idle connections of other databases until one more fits the budget. */
  private async makeRoom(entry: Entry): Promise<void> {
    while (this.openConnections >= this.options.maxConnections) {
      const victim = [...this.entries.values()]
        .filter((e) => e !== entry && e.pool && e.pool.idleCount > 0)
        .sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (victim?.pool && victim.inUse === 0) {
        await this.closePool(victim);
      } else if (victim?.pool) {
        // Check out one of its idle connections (pg-pool hands out an idle one first) and destroy it,
        // waiting until the server has let it go.
        const idle = await victim.pool.connect();
        const ended = new Promise<void>((resolve) => {
          idle.once('end', () => resolve());
          setTimeout(resolve, 5_000).unref(); // a connection that never says so does not hold us up
        });
        idle.release(true);
        await ended;
      } else if (this.closing.size > 0) {
        await Promise.race(this.closing);
      } else {
        return; // only connections in use: the slot we hold guarantees one of them is ending
      }
    }
  }

  /** Closes an entry's pool; its connections count as open until they have ended. */
  private closePool(entry: Entry): Promise<void> {
    const pool = entry.pool;
    if (!pool) return Promise.resolve();
    entry.pool = null;
    const count = pool.totalCount;
    this.closingConnections += count;
    const closed: Promise<void> = pool
      .end()
      .catch(() => {})
      .finally(() => {
        this.closingConnections -= count;
        this.closing.delete(closed);
      });
    this.closing.add(closed);
    return closed;
  }

  /** With `maxPools`, closes the least recently used pools not in use beyond it. */
  private closeSurplusPools(): void {
    const max = this.options.maxPools;
    if (max === undefined || this.openPools <= max) return;
    const idle = [...this.entries.values()]
      .filter((e) => e.pool && e.inUse === 0)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of idle.slice(0, this.openPools - max)) void this.closePool(entry);
  }

  private async checkServer(entry: Entry, client: pg.PoolClient): Promise<void> {
    const onServer = this.options.onServer;
    if (!onServer) return;
    const server = rawServerLabel(entry.url);
    if (this.serversSeen.has(server)) return;
    this.serversSeen.add(server);
    try {
      const { rows } = await client.query<{ max: number; reserved: number }>(
        `select current_setting('max_connections')::int as max,
                current_setting('superuser_reserved_connections')::int
                  + coalesce(current_setting('reserved_connections', true)::int, 0) as reserved`,
      );
      if (rows[0]) onServer(server, { maxConnections: rows[0].max, reserved: rows[0].reserved });
    } catch {
      this.serversSeen.delete(server); // try again on the next connection
    }
  }

  private takeSlot(): Promise<void> {
    if (this.checkedOut < this.options.maxConnections) {
      this.checkedOut++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private giveSlot(): void {
    const next = this.slotWaiters.shift();
    if (next) next();
    else this.checkedOut--;
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.opening.then(work);
    this.opening = run.then(
      () => {},
      () => {},
    );
    return run;
  }
}
