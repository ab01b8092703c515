/**
 * The plant of the partition tests: the network (network.ts), a PostgreSQL and a Redis of the test's
 * own listening on the bridge, two simulated machines' raw databases, the in-process reference run,
 * and per test a fresh deployment (aggregation database, queue prefix, three worker processes, one
 * per host). Every aggregation database carries an audit of who wrote what and when (see AUDIT_SQL).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { daysBetween } from '@mm/calendar';
import { type AggDatabase, createDb, createRawSchema, migrateToLatest, type RawDatabase } from '@mm/db';
import { etlIds, registry } from '@mm/etl';
import { createEtlQueues, createRedis, type EtlQueues, redisReady } from '@mm/queue';
import { machinesFile, repoRoot, runInProcess, snapshot, waitFor } from '@mm/queue-testing';
import { simulatePlant } from '@mm/raw';
import {
  collectJsonLines,
  POSTGRES_BIN,
  type PrivatePostgres,
  type PrivateRedis,
  startPrivatePostgres,
  startPrivateRedis,
  type TcpProxy,
} from '@mm/testing';
import type { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import { onExit } from './exit-hooks.ts';
import { createNetwork, type Host, type Network } from './network.ts';

export const FROM = '2024-03-18'; // ten days: two working weeks' Monday to the next Wednesday
export const TO = '2024-03-27';
export const DAYS = daysBetween(FROM, TO);
export const MACHINES = ['press-01', 'press-02'] as const;
export const SLICES = MACHINES.length * DAYS.length * etlIds.length;

/**
 * What the workers run with. STALLED_INTERVAL_MS is lowered from 30 s to 10 s (a job whose worker
 * lost Redis is re-queued 10 s after its lock's last renewal) and SLICE_TIMEOUT_SECONDS from 120 to
 * 30 (the slowest slice here takes well under a second), to keep the run short.
 */
export const WORKER_ENV = {
  STALLED_INTERVAL_MS: '10000',
  SLICE_TIMEOUT_SECONDS: '30',
  WORKER_CONCURRENCY: '2',
  MACHINE_MAX_JOBS: '2',
  WORKER_PORT: '9100',
  LOG_LEVEL: 'info',
} as const;

/** The jobs' retry policy (the defaults: 5 attempts, backoff from 10 s doubling). */
const JOB_ENV = { JOB_ATTEMPTS: '5', JOB_BACKOFF_MS: '10000' } as const;

// Who committed what, in commit order (track_commit_timestamp): every ledger row change with the
// status it set, and every (machine, ETL, day) whose aggregate rows a transaction inserted or
// deleted, each with the client address of the session, which is the worker host.
const AUDIT_SQL = `
create table mmpt_audit (
  id bigserial primary key,
  kind text not null,
  machine_id text not null,
  etl text not null,
  day date not null,
  host inet default inet_client_addr(),
  run_token text
);
create function mmpt_audit_ledger() returns trigger language plpgsql as $$
begin
  insert into mmpt_audit (kind, machine_id, etl, day, run_token)
  values (new.status, new.machine_id, new.etl, new.day, to_jsonb(new)->>'run_token');
  return null;
end $$;
create trigger mmpt_audit_ledger after insert or update on etl_runs
  for each row execute function mmpt_audit_ledger();
create function mmpt_audit_slice() returns trigger language plpgsql as $$
begin
  insert into mmpt_audit (kind, machine_id, etl, day)
  select distinct 'write', machine_id, tg_argv[0], day from changed;
  return null;
end $$;
${Object.values(registry)
  .flatMap(({ id: etl, tables }) =>
    tables.flatMap((table) => [
      `create trigger mmpt_audit_insert after insert on ${table} referencing new table as changed
         for each statement execute function mmpt_audit_slice('${etl}');`,
      `create trigger mmpt_audit_delete after delete on ${table} referencing old table as changed
         for each statement execute function mmpt_audit_slice('${etl}');`,
    ]),
  )
  .join('\n')}
`;

export interface Plant {
  network: Network;
  pg: PrivatePostgres;
  redis: PrivateRedis;
  /** Root-namespace connection to the test's Redis. */
  producer: Redis;
  reference: Kysely<AggDatabase>;
  /** Raw database URL of each machine, on the bridge. */
  rawUrls: Record<string, string>;
  /** A URL on the bridge address (where the hosts reach the services). */
  bridgeUrl(database: string): string;
  close(): Promise<void>;
}

/** Builds the network and the services, seeds the machines and runs the reference. */
export async function startPlant(log: (line: string) => void): Promise<Plant> {
  const network = createNetwork(3);
  const closers: Array<() => Promise<unknown>> = [async () => network.destroy()];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => {});
  };
  try {
    const started = performance.now();
    const pg = await startPrivatePostgres({
      maxConnections: 200,
      listenAddresses: [network.serviceAddress],
      trustedNetworks: [network.subnet],
      settings: ['track_commit_timestamp=on'],
    });
    closers.push(() => pg.stop());
    const redis = await startPrivateRedis({
      bindAddresses: [network.serviceAddress],
      args: ['--maxmemory-policy', 'noeviction'],
    });
    closers.push(() => redis.stop());
    // The network has its own exit hook; the services are daemons that would outlive a killed test.
    const stopServicesNow = () => {
      try {
        process.kill(redis.pid, 'SIGKILL');
      } catch {}
      const pgCtl = [`${POSTGRES_BIN}/pg_ctl`, '-D', pg.dataDirectory, '-m', 'immediate', 'stop'];
      try {
        execFileSync('runuser', ['-u', 'postgres', '--', ...pgCtl], { stdio: 'ignore' });
      } catch {}
      rmSync(dirname(pg.dataDirectory), { recursive: true, force: true });
    };
    const forget = onExit(stopServicesNow);
    closers.push(async () => forget());
    const bridgeUrl = (database: string) => {
      const url = new URL(pg.urlOf(database));
      url.hostname = network.serviceAddress;
      return url.toString();
    };
    const producer = createRedis(`redis://${network.serviceAddress}:${redis.port}`, 'producer');
    closers.push(() => producer.quit());
    await redisReady(producer);

    const admin = createDb(pg.url, { max: 1 });
    closers.push(() => admin.destroy());
    const rawUrls: Record<string, string> = {};
    await Promise.all(
      MACHINES.map(async (machine, i) => {
        const name = `raw_${i + 1}`;
        await sql`create database ${sql.raw(name)}`.execute(admin);
        const raw = createDb<RawDatabase>(pg.urlOf(name), { max: 2 });
        await createRawSchema(raw);
        await simulatePlant({
          db: raw,
          seed: 11 + i,
          start: FROM,
          days: DAYS.length,
          timezone: 'Europe/Madrid',
          volume: 0.05,
        });
        await raw.destroy();
        rawUrls[machine] = bridgeUrl(name);
      }),
    );
    await sql`create database agg_template`.execute(admin);
    await sql`create database agg_reference`.execute(admin);
    const template = createDb<AggDatabase>(pg.urlOf('agg_template'), { max: 1 });
    await migrateToLatest(template);
    await sql.raw(AUDIT_SQL).execute(template);
    await template.destroy();

    const reference = createDb<AggDatabase>(pg.urlOf('agg_reference'), { max: 2 });
    closers.push(() => reference.destroy());
    await migrateToLatest(reference);
    const { machines } = machinesFile(MACHINES.map((id) => ({ id, rawDatabaseUrl: rawUrls[id]! })));
    const referenceStarted = performance.now();
    for (const machine of machines) {
      const raw = createDb<RawDatabase>(machine.rawDatabaseUrl, { max: 2 });
      await runInProcess(reference, raw, machine, FROM, TO);
      await raw.destroy();
    }
    const rows = Object.values(await snapshot(reference)).reduce((n, t) => n + t.length, 0);
    log(
      `plant: bridge ${network.bridge} ${network.serviceAddress}, hosts ${network.hosts.map((h) => `${h.name}=${h.address}`).join(' ')}; ` +
        `${SLICES} slices, reference ${rows} rows in ${secondsSince(referenceStarted)} s (setup ${secondsSince(started)} s)`,
    );
    return { network, pg, redis, producer, reference, rawUrls, bridgeUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export function secondsSince(t: number): string {
  return ((performance.now() - t) / 1000).toFixed(1);
}

/** A worker process inside a host's namespace, its JSON log lines collected. */
export class HostWorker {
  readonly logs: Array<Record<string, unknown>> = [];
  readonly exited: Promise<number | null>;
  stderr = '';

  constructor(
    readonly host: Host,
    readonly child: ChildProcess,
    /** Where PostgreSQL sees this worker's sessions come from: its host, or the proxy it goes through. */
    readonly sessionAddress: string,
  ) {
    collectJsonLines(child.stdout, this.logs);
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get port(): number {
    return Number(WORKER_ENV.WORKER_PORT);
  }

  /** `GET /readyz` from inside the host (reachable even with its link down). */
  readyz(): { status: number; body: string } | null {
    return this.host.httpGet(this.port, '/readyz');
  }

  /** A counter of `/metrics`, summed over its label sets (0 when absent). */
  counter(name: string): number {
    const text = this.host.httpGet(this.port, '/metrics')?.body ?? '';
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

export interface Deployment {
  name: string;
  agg: Kysely<AggDatabase>;
  aggName: string;
  queues: EtlQueues;
  workers: HostWorker[];
  /** Queues every slice of the backfill with `pnpm etl enqueue` in the root namespace. */
  enqueueAll(): Promise<void>;
  /** Stops the workers and closes what the deployment opened (the database stays for a post-mortem). */
  close(): Promise<void>;
}

/**
 * A fresh aggregation database (audited), a fresh queue prefix, and one worker per host. `relays`
 * routes a host's every connection (Redis, aggregation and raw databases) through a TCP proxy on the
 * bridge, for the latency fault.
 */
export async function deploy(
  plant: Plant,
  name: string,
  relays: Map<string, { pg: TcpProxy; redis: TcpProxy }> = new Map(),
): Promise<Deployment> {
  const aggName = `agg_${name.replace(/\W/g, '_')}`;
  const admin = createDb(plant.pg.url, { max: 1 });
  await sql`create database ${sql.raw(aggName)} template agg_template`.execute(admin);
  await admin.destroy();
  const agg = createDb<AggDatabase>(plant.pg.urlOf(aggName), { max: 4 });
  const prefix = `mmpt_${randomBytes(4).toString('hex')}`;
  const queues = createEtlQueues({ connection: plant.producer, prefix });
  const gateway = plant.network.serviceAddress;
  const direct = machinesFile(MACHINES.map((id) => ({ id, rawDatabaseUrl: plant.rawUrls[id]! })));

  const workers = await Promise.all(
    plant.network.hosts.map(async (host) => {
      const relay = relays.get(host.name);
      const pgPort = relay?.pg.port ?? plant.pg.port;
      const redisPort = relay?.redis.port ?? plant.redis.port;
      const viaRelay = (url: string) => {
        const u = new URL(url);
        u.port = String(pgPort);
        return u.toString();
      };
      const file = relay
        ? machinesFile(MACHINES.map((id) => ({ id, rawDatabaseUrl: viaRelay(plant.rawUrls[id]!) }))).path
        : direct.path;
      const child = spawn(
        host.exec[0]!,
        [
          ...host.exec.slice(1),
          process.execPath,
          '--import',
          'tsx',
          join(repoRoot, 'apps/worker/src/main.ts'),
        ],
        {
          cwd: repoRoot,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '',
            ...WORKER_ENV,
            AGG_DATABASE_URL: viaRelay(plant.bridgeUrl(aggName)),
            REDIS_URL: `redis://${gateway}:${redisPort}`,
            MACHINES_FILE: file,
            QUEUE_PREFIX: prefix,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const worker = new HostWorker(host, child, relay ? gateway : host.address);
      // Its own log line, not an answer on the port: that could come from a worker the namespace
      // still runs.
      await waitFor(
        `worker ${host.name} to start`,
        () => {
          if (child.exitCode !== null) throw new Error(`worker ${host.name} exited: ${worker.stderr}`);
          return worker.logs.some((line) => line.msg === 'worker started') || undefined;
        },
        60_000,
        100,
      );
      return worker;
    }),
  );

  return {
    name,
    agg,
    aggName,
    queues,
    workers,
    async enqueueAll() {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'scripts/cli.ts'), 'etl', 'enqueue', 'all', FROM, TO],
        {
          cwd: repoRoot,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '',
            ...JOB_ENV,
            REDIS_URL: `redis://${gateway}:${plant.redis.port}`,
            QUEUE_PREFIX: prefix,
            MACHINES_FILE: direct.path,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        output += c.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`pnpm etl enqueue exited with ${code}:\n${output}`);
    },
    async close() {
      for (const worker of workers) worker.kill();
      await Promise.all(workers.map((w) => w.exited));
      await queues.close();
      await agg.destroy();
    },
  };
}

/** Queue and ledger progress of a deployment. */
export async function progress(d: Deployment) {
  const counts = await d.queues.queue.getJobCounts('completed', 'failed');
  const { rows } = await sql<{ succeeded: number; total: number }>`
    select count(*) filter (where status = 'succeeded')::int as succeeded, count(*)::int as total
    from etl_runs`.execute(d.agg);
  return {
    completed: counts.completed ?? 0,
    failed: counts.failed ?? 0,
    succeeded: rows[0]?.succeeded ?? 0,
    ledgerRows: rows[0]?.total ?? 0,
  };
}

/** Sessions of a worker on the aggregation database that wait for a lock now. */
export async function blockedSessions(d: Deployment, worker: HostWorker): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
    where datname = ${d.aggName} and client_addr = ${worker.sessionAddress}::inet and wait_event_type = 'Lock'`.execute(
    d.agg,
  );
  return rows[0]?.n ?? 0;
}

/** Sessions of a worker on the aggregation database that are inside a transaction now. */
export async function openTransactions(d: Deployment, worker: HostWorker): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
    where datname = ${d.aggName} and client_addr = ${worker.sessionAddress}::inet and xact_start is not null`.execute(
    d.agg,
  );
  return rows[0]?.n ?? 0;
}

export interface StaleWrite {
  kind: string;
  machine_id: string;
  etl: string;
  day: string;
  writer: string;
  run_host: string | null;
}

/**
 * Writes committed by a host that was not running the slice's newest run: for each aggregate write
 * and each ledger outcome (succeeded, failed), the newest run start committed before it must come
 * from the same host. A fenced worker whose lock expired can no longer commit, so there are none.
 * (Host-grained: a host that lost a slice and started it again itself is not told apart.)
 */
export async function staleWrites(d: Deployment): Promise<StaleWrite[]> {
  const { rows } = await sql<StaleWrite>`
    with ev as (
      select a.*, pg_xact_commit_timestamp(a.xmin) as committed from mmpt_audit a
    )
    select e.kind, e.machine_id, e.etl, e.day::text as day, host(e.host) as writer,
      (select host(s.host) from ev s
       where s.kind = 'running' and s.machine_id = e.machine_id and s.etl = e.etl and s.day = e.day
         and (s.committed, s.id) < (e.committed, e.id)
       order by s.committed desc, s.id desc limit 1) as run_host
    from ev e
    where e.kind in ('write', 'succeeded', 'failed')`.execute(d.agg);
  return rows.filter((r) => r.run_host !== r.writer);
}

/**
 * The ledger's run_token of each slice against the newest run start's (when the ledger has the
 * column): slices whose token is not that of the run that wrote them last.
 */
export async function foreignTokens(d: Deployment): Promise<string[] | null> {
  const { rows: has } = await sql<{ n: number }>`
    select count(*)::int as n from information_schema.columns
    where table_name = 'etl_runs' and column_name = 'run_token'`.execute(d.agg);
  if (!has[0]?.n) return null;
  const { rows } = await sql<{ slice: string }>`
    select r.machine_id || '/' || r.etl || '/' || r.day as slice
    from etl_runs r
    where r.run_token::text is distinct from (
      select a.run_token from mmpt_audit a
      where a.kind = 'running' and a.machine_id = r.machine_id and a.etl = r.etl and a.day = r.day
      order by pg_xact_commit_timestamp(a.xmin) desc, a.id desc limit 1)`.execute(d.agg);
  return rows.map((r) => r.slice);
}

/**
 * Seconds from `cutAt` until every slice the worker was running at the cut had been started again
 * by another host (null: none were left to others).
 */
export async function takenOverAfter(d: Deployment, worker: HostWorker, cutAt: Date): Promise<number | null> {
  const address = worker.sessionAddress;
  const { rows } = await sql<{ seconds: number | null }>`
    with ev as (
      select a.*, pg_xact_commit_timestamp(a.xmin) as committed from mmpt_audit a
    ),
    stranded as (
      select distinct s.machine_id, s.etl, s.day from ev s
      where s.kind = 'running' and s.host = ${address}::inet and s.committed < ${cutAt}
        and not exists (
          select 1 from ev f where f.kind in ('succeeded', 'failed') and f.host = s.host
            and f.machine_id = s.machine_id and f.etl = s.etl and f.day = s.day
            and f.committed > s.committed and f.committed < ${cutAt})
    )
    select extract(epoch from max(t.first) - ${cutAt}::timestamptz)::float8 as seconds
    from (
      select (select min(o.committed) from ev o
              where o.kind = 'running' and o.host <> ${address}::inet and o.committed > ${cutAt}
                and o.machine_id = st.machine_id and o.etl = st.etl and o.day = st.day) as first
      from stranded st
    ) t`.execute(d.agg);
  return rows[0]?.seconds ?? null;
}
