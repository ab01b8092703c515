import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './private-redis.ts';

const run = promisify(execFile);

/** Where Debian's PostgreSQL 15 server binaries live (`postgresql-15`). */
export const POSTGRES_BIN = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PrivatePostgresOptions {
  /** `max_connections` (PostgreSQL's default, 100, unless given). */
  maxConnections?: number;
  /** More server settings, `name=value` each (`-c name=value`). */
  settings?: readonly string[];
  /**
   * Addresses to listen on besides 127.0.0.1 (a bridge's address, for clients in network namespaces),
   * with trust authentication for the networks given in `trustedNetworks`.
   */
  listenAddresses?: readonly string[];
  /** CIDR networks whose clients connect with trust authentication (127.0.0.1 always does). */
  trustedNetworks?: readonly string[];
}

export interface PrivatePostgres {
  port: number;
  /** The superuser `postgres` over TCP (trust), database `postgres`: for setting things up and watching. */
  url: string;
  /** `url` with another database. */
  urlOf(database: string, user?: string, password?: string): string;
  /** The cluster's data directory (for a synchronous `pg_ctl stop` in an exit hook). */
  dataDirectory: string;
  /** Stops it (fast shutdown) and deletes its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts a PostgreSQL cluster of the caller's own, for what must never be done to the shared server:
 * a `max_connections` to exhaust, a restart. `initdb` and `pg_ctl` from {@link POSTGRES_BIN}, run as
 * the `postgres` system user when this process is root (PostgreSQL refuses to run as root), data and
 * socket directories in a fresh temporary directory, listening on 127.0.0.1 (and `listenAddresses`)
 * only, with trust authentication. Fails loudly, with the server's log, when it does not start.
 *
 * @example
 * const pg = await startPrivatePostgres({ maxConnections: 100 });
 * try { … pg.urlOf('raw_1') … } finally { await pg.stop(); }
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'mm-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const as = (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const port = await freePort();
  const settings = [
    `max_connections=${options.maxConnections ?? 100}`,
    `listen_addresses=${['127.0.0.1', ...(options.listenAddresses ?? [])].join(',')}`,
    ...(options.settings ?? []),
  ];
  try {
    await as(`${POSTGRES_BIN}/initdb`, [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    const trusted = (options.trustedNetworks ?? []).map((net) => `host all all ${net} trust\n`).join('');
    if (trusted) await as('sh', ['-c', `printf '%s' "$1" >> "$2"`, 'sh', trusted, join(data, 'pg_hba.conf')]);
    await as(`${POSTGRES_BIN}/pg_ctl`, [
      '-D',
      data,
      '-l',
      log,
      '-w',
      '-t',
      '60',
      '-o',
      [`-p ${port}`, `-k ${dir}`, ...settings.map((s) => `-c ${s}`)].join(' '),
      'start',
    ]);
  } catch (error) {
    let serverLog = '';
    try {
      serverLog = readFileSync(log, 'utf8');
    } catch {}
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`private PostgreSQL did not start: ${(error as Error).message}\n${serverLog}`);
  }
  const urlOf = (database: string, user = 'postgres', password?: string) =>
    `postgres://${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@127.0.0.1:${port}/${database}`;
  return {
    port,
    url: urlOf('postgres'),
    urlOf,
    dataDirectory: data,
    async stop() {
      await as(`${POSTGRES_BIN}/pg_ctl`, ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
