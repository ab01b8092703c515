import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type TransactionSettings,
} from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { pgliteTemplate } from './pglite-template.ts';

export interface CreateDbOptions {
  /** Every transaction read-only (raw databases in the ETL path). */
  readOnly?: boolean;
  /** Pool size for PostgreSQL (PGlite has exactly one connection). */
  max?: number;
  applicationName?: string;
  /** How long an unused PostgreSQL connection stays open (30 s unless given). */
  idleTimeoutMs?: number;
  /**
   * Errors of idle or checked-out connections (server restart, network cut, terminated backend). They
   * never crash the process; pass a handler to log them (the failing query rejects on its own).
   */
  onConnectionError?: (error: Error) => void;
  /**
   * Limits of every session of the pool (PostgreSQL settings sent when each connection starts), so
   * nothing waits forever on a dead peer: `statementTimeoutMs` (`statement_timeout`), `lockTimeoutMs`
   * (`lock_timeout`), `idleInTransactionTimeoutMs` (`idle_in_transaction_session_timeout`: the server
   * ends a session whose open transaction waited this long for its client) and `tcpUserTimeoutMs`
   * (`tcp_user_timeout`, PostgreSQL 12+: the server drops a connection whose sent data stays
   * unacknowledged this long). Unset: the server's own.
   */
  session?: SessionLimits;
}

/** See {@link CreateDbOptions.session}. */
export interface SessionLimits {
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
  tcpUserTimeoutMs?: number;
}

/**
 * TCP keepalive of every connection, both ends. The server probes a connection idle for 10 s every
 * 5 s and drops it after 3 unanswered probes, so a client host that vanished (its sessions holding a
 * slice's lock, a machine slot, an open transaction) is let go about 25 s after it last answered,
 * not after the kernel's two hours. This process probes after 10 s of silence too (then Node's own
 * interval and count).
 */
export const keepaliveSettings = {
  serverIdleSeconds: 10,
  serverIntervalSeconds: 5,
  serverCount: 3,
  clientInitialDelayMs: 10_000,
} as const;

/** The `-c name=value` startup options of a pool's sessions. */
export function sessionOptions(options: { readOnly?: boolean; session?: SessionLimits } = {}): string {
  const settings = [
    'jit=off',
    `tcp_keepalives_idle=${keepaliveSettings.serverIdleSeconds}`,
    `tcp_keepalives_interval=${keepaliveSettings.serverIntervalSeconds}`,
    `tcp_keepalives_count=${keepaliveSettings.serverCount}`,
  ];
  if (options.readOnly) settings.push('default_transaction_read_only=on');
  const limits = options.session ?? {};
  const ms = (value: number) => String(Math.max(0, Math.round(value)));
  if (limits.statementTimeoutMs !== undefined)
    settings.push(`statement_timeout=${ms(limits.statementTimeoutMs)}`);
  if (limits.lockTimeoutMs !== undefined) settings.push(`lock_timeout=${ms(limits.lockTimeoutMs)}`);
  if (limits.idleInTransactionTimeoutMs !== undefined) {
    settings.push(`idle_in_transaction_session_timeout=${ms(limits.idleInTransactionTimeoutMs)}`);
  }
  if (limits.tcpUserTimeoutMs !== undefined) settings.push(`tcp_user_timeout=${ms(limits.tcpUserTimeoutMs)}`);
  return settings.map((setting) => `-c ${setting}`).join(' ');
}

// PostgreSQL types we read as plain JS values. bigint (epoch ms, counts) fits a double far beyond
// our ranges; `date` stays a `YYYY-MM-DD` string so no process time zone can shift it.
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const FLOAT4 = 700;
const toNumber = (value: string) => Number(value);
const identity = (value: string) => value;
// float4 is printed with up to 9 significant digits (extra_float_digits=1): exact round-trip to JS.
const pgParsers: Record<number, (value: string) => unknown> = {
  [INT8]: toNumber,
  [NUMERIC]: toNumber,
  [DATE]: identity,
  [FLOAT4]: toNumber,
};

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return pgParsers[oid] ?? pg.types.getTypeParser(oid, format);
  },
};

/** Where a database lives, parsed from its URL. */
export type DbTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string | null };

/** `postgres://…`, `pglite:memory` or `pglite:<directory>`. */
export function parseDbUrl(url: string): DbTarget {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  const pglite = /^pglite:(.+)$/.exec(url);
  if (pglite?.[1]) {
    const where = pglite[1].replace(/^\/\/(?=\/)/, '');
    return { kind: 'pglite', dataDir: where === 'memory' ? null : where };
  }
  throw new Error('database URL must be postgres://… or pglite:<dir> / pglite:memory');
}

/**
 * Opens a database: a pg pool for `postgres://` URLs, an embedded PGlite for `pglite:` ones, so the
 * same queries run on both. JIT is off (it costs ~0.8 s per small aggregate statement on PostgreSQL 15).
 *
 * @example
 * const agg = createDb<AggDatabase>('pglite:./.data/agg');
 * const raw = createDb<RawDatabase>(machine.rawDatabaseUrl, { readOnly: true });
 */
export function createDb<DB>(url: string, options: CreateDbOptions = {}): Kysely<DB> {
  return openDb<DB>(url, options).db;
}

/**
 * {@link createDb} plus the pg pool behind it (`null` for PGlite), for pool-usage metrics.
 *
 * @example
 * const { db, pool } = openDb<AggDatabase>(config.aggDatabaseUrl);
 * pool?.totalCount;
 */
export function openDb<DB>(
  url: string,
  options: CreateDbOptions = {},
): { db: Kysely<DB>; pool: pg.Pool | null } {
  const target = parseDbUrl(url);
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: options.max ?? 10,
      options: sessionOptions(options),
      keepAlive: true,
      keepAliveInitialDelayMillis: keepaliveSettings.clientInitialDelayMs,
      application_name: options.applicationName ?? 'machine-monitoring',
      types: pgTypes,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    });
    // A lost connection (server restart, network cut, terminated backend) must not crash the
    // process: pg emits 'error' on the pool for idle clients and on the client itself for one that
    // is checked out. The failing query (now or next) rejects and the caller retries; the pool
    // drops the broken client and connects afresh.
    const onError = options.onConnectionError ?? (() => {});
    pool.on('error', (error) => onError(error));
    pool.on('connect', (client) => client.on('error', (error) => onError(error)));
    return { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), pool };
  }
  if (target.dataDir) mkdirSync(target.dataDir, { recursive: true });
  const pglite = openPglite(target.dataDir, options);
  // Kysely awaits it before the first query; a failure surfaces there, not as an unhandled rejection.
  pglite.catch(() => {});
  return { db: new Kysely<DB>({ dialect: new DeferredPGliteDialect(pglite) }), pool: null };
}

/**
 * A PGlite: an existing cluster resumed, a fresh one (empty directory, memory) loaded from the
 * cluster template ({@link pgliteTemplate}) instead of running initdb.
 */
async function openPglite(dataDir: string | null, options: CreateDbOptions): Promise<PGlite> {
  const fresh = dataDir === null || !existsSync(join(dataDir, 'PG_VERSION'));
  const template = fresh ? await pgliteTemplate() : undefined;
  if (template && dataDir) template.writeInto(dataDir);
  // Options go in the single-argument form: `new PGlite(dir, options)` ignores `parsers` (0.5.17).
  const pglite = new PGlite({
    ...(dataDir ? { dataDir } : {}),
    ...(template && !dataDir ? { loadDataDir: template.blob } : {}),
    parsers: { [INT8]: toNumber, [NUMERIC]: toNumber, [DATE]: identity },
  });
  if (options.readOnly) await pglite.exec('set default_transaction_read_only = on');
  else await pglite.waitReady;
  return pglite;
}

/**
 * The PGlite dialect for an instance still opening: `openDb` stays synchronous while the cluster
 * template is read or made. Kysely calls `init` once, before the first connection.
 */
class DeferredPGliteDialect implements Dialect {
  constructor(private readonly pglite: Promise<PGlite>) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new DeferredPGliteDriver(this.pglite);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}

class DeferredPGliteDriver implements Driver {
  #driver: Driver | undefined;
  constructor(private readonly pglite: Promise<PGlite>) {}
  async init() {
    this.#driver = new PGliteDialect(await this.pglite).createDriver();
    await this.#driver.init();
  }
  #ready(): Driver {
    if (!this.#driver) throw new Error('PGlite is not open yet');
    return this.#driver;
  }
  acquireConnection() {
    return this.#ready().acquireConnection();
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    return this.#ready().beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection) {
    return this.#ready().commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection) {
    return this.#ready().rollbackTransaction(connection);
  }
  releaseConnection(connection: DatabaseConnection) {
    return this.#ready().releaseConnection(connection);
  }
  async destroy() {
    await this.#driver?.destroy();
  }
}
