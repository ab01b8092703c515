import type { PoolUsage } from '@mm/api-core';
import type { Machine } from '@mm/config';
import { type AggDatabase, createDb, openDb, parseDbUrl, type RawDatabase, RawPools } from '@mm/db';
import { type Kysely, sql } from 'kysely';

/**
 * A PGlite directory that PGlite cannot start on (it aborts: typically files left half-written by a
 * run that was killed while writing). Its message is one line with the way out.
 */
export class DamagedDatabaseError extends Error {
  override name = 'DamagedDatabaseError';
  constructor(
    readonly dataDir: string,
    options?: ErrorOptions,
  ) {
    super(
      `the embedded database in ${dataDir} cannot be opened (damaged, perhaps by an interrupted run): ` +
        'start with `pnpm start -- --reset` to seed it again',
      options,
    );
  }
}

// PGlite reports a data directory it cannot start on as a WebAssembly abort, whose stack and
// source are the minified PostgreSQL build: keep it as the cause, show the sentence.
function damagedOr(url: string, error: unknown): unknown {
  const target = parseDbUrl(url);
  if (
    target.kind === 'pglite' &&
    target.dataDir !== null &&
    error instanceof Error &&
    error.name === 'RuntimeError'
  ) {
    return new DamagedDatabaseError(target.dataDir, { cause: error });
  }
  return error;
}

/** How a seeder writes a machine's raw database. */
export type RawWriteTarget =
  /** PGlite: the one instance of this process (a second one on the same directory would corrupt it). */
  | { kind: 'pglite'; db: Kysely<RawDatabase> }
  /** PostgreSQL: the seeders open their own connections (COPY) from the URL. */
  | { kind: 'postgres'; url: string };

/**
 * Every database of the demo, opened once per process and shared by the seeder, the ETLs and the
 * API: PGlite is single-process, so a PGlite directory must have exactly one instance. PostgreSQL
 * raw databases are opened read-only (the seeders write through their own connections); PGlite raw
 * databases are writable until {@link DemoDatabases.lockRawDatabases}.
 *
 * @example
 * const dbs = await DemoDatabases.open(config.aggDatabaseUrl, config.machines);
 * try { await dbs.agg.selectFrom('etl_runs').selectAll().execute(); } finally { await dbs.destroy(); }
 */
export class DemoDatabases {
  /** Pool usage for `/metrics` (PostgreSQL only; PGlite has no pool). */
  readonly pools: Record<string, PoolUsage> = {};
  private readonly raws: RawPools;
  private readonly machines = new Map<string, Machine>();
  private destroyed = false;

  private constructor(readonly agg: Kysely<AggDatabase>) {
    this.raws = new RawPools({
      applicationName: 'mm-demo',
      maxConnections: 4,
      writablePglite: true,
      onOpen: (database, pool) => {
        if (pool) this.pools[`raw:${database}`] = pool;
      },
    });
  }

  /** Opens (and, for PostgreSQL, creates when missing) the aggregation and raw databases. */
  static async open(aggDatabaseUrl: string, machines: readonly Machine[]): Promise<DemoDatabases> {
    const urls = [aggDatabaseUrl, ...machines.map((m) => m.rawDatabaseUrl)];
    const seen = new Set<string>();
    for (const url of urls) {
      if (seen.has(url)) throw new Error('every demo database needs its own URL');
      seen.add(url);
      if (parseDbUrl(url).kind === 'postgres') await ensurePostgresDatabase(url);
    }
    const agg = openDb<AggDatabase>(aggDatabaseUrl, { applicationName: 'mm-demo' });
    const dbs = new DemoDatabases(agg.db);
    if (agg.pool) dbs.pools.agg = agg.pool;
    for (const machine of machines) dbs.machines.set(machine.id, machine);
    // PGlite instances start on their first statement; start them all now, side by side.
    const all = [
      { url: aggDatabaseUrl, db: dbs.agg as Kysely<unknown> },
      ...machines.map((m) => ({ url: m.rawDatabaseUrl, db: dbs.raws.rawDb(m) as Kysely<unknown> })),
    ];
    try {
      await Promise.all(
        all.map(({ url, db }) =>
          sql`select 1`.execute(db).catch((error: unknown) => {
            throw damagedOr(url, error);
          }),
        ),
      );
    } catch (error) {
      await dbs.destroy().catch(() => {});
      throw error;
    }
    return dbs;
  }

  /** The machine's raw database, for the ETLs and the API (`rawDbFor`). */
  rawDb(machine: Pick<Machine, 'id'>): Kysely<RawDatabase> {
    return this.raws.rawDb(this.known(machine));
  }

  /** Where a seeder writes the machine's raw data. */
  writeTarget(machine: Pick<Machine, 'id'>): RawWriteTarget {
    const known = this.known(machine);
    return parseDbUrl(known.rawDatabaseUrl).kind === 'pglite'
      ? { kind: 'pglite', db: this.raws.rawDb(known) }
      : { kind: 'postgres', url: known.rawDatabaseUrl };
  }

  private known(machine: Pick<Machine, 'id'>): Machine {
    const known = this.machines.get(machine.id);
    if (!known) throw new Error(`no raw database opened for machine '${machine.id}'`);
    return known;
  }

  /**
   * From now on the raw databases are read-only, as the product's always are. A PGlite instance is
   * one session, so the session default holds for every later transaction.
   */
  async lockRawDatabases(): Promise<void> {
    for (const machine of this.machines.values()) {
      if (parseDbUrl(machine.rawDatabaseUrl).kind === 'pglite') {
        await sql`set default_transaction_read_only = on`.execute(this.raws.rawDb(machine));
      }
    }
  }

  /** Closes everything; PGlite writes its files out cleanly on close. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const results = await Promise.allSettled([this.agg.destroy(), this.raws.destroyAll()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw new Error('could not close every demo database', { cause: failed.reason });
  }
}

/**
 * Creates a PostgreSQL database named by `url` when it does not exist yet, through the server's
 * `postgres` database with the same login (which must be allowed to create databases).
 */
async function ensurePostgresDatabase(url: string): Promise<void> {
  const probe = createDb<unknown>(url, { max: 1 });
  try {
    await sql`select 1`.execute(probe);
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error; // anything but "no such database"
  } finally {
    await probe.destroy();
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const admin = createDb<unknown>(maintenance.toString(), { max: 1 });
  try {
    await sql`create database ${sql.id(name)}`.execute(admin);
  } catch (error) {
    // Another process created it meanwhile: as good as ours.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await admin.destroy();
  }
}
