// `pnpm bench api`: throughput and latency of the real API process against a year of aggregates.
//
// Creates a temporary PostgreSQL database, migrates it, seeds a year of aggregates for a few
// machines with set-based SQL, starts `src/main.ts` twice on ephemeral 127.0.0.1 ports (with its
// answer cache, and with `API_CACHE_MB=0`), and drives them with a fixed-concurrency keep-alive load
// generator (warm-up first, then a fixed time per target): `GET /` (the ceiling: routing, middleware,
// no database), `/api/v1/temperature` (answered, and revalidated with its ETag: the 304 path; every
// URL was asked once before, so both come from memory), `/api/v1/machine_util` on varying days and
// machines, and the cold path: temperature URLs no request asked before (each a cache miss: the
// ledger and the temperature queries, the answer kept), against the same URLs without a cache.
// Besides throughput and latency, each target's line gives the API process's CPU time per request
// (from /proc), which other work on the machine disturbs far less. Drops the database at the end.
//
// Options: --seconds N (per target, default 8), --warmup N (default 2), --concurrency N (default 32).
// BENCH_DATABASE_URL: an admin connection (default postgres://postgres@127.0.0.1:5432/postgres).

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDb, migrateToLatest } from '@mm/db';
import { etlIds } from '@mm/etl';
import { type Kysely, sql } from 'kysely';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '32' },
  },
});
const seconds = Number(args.seconds);
const warmupSeconds = Number(args.warmup);
const concurrency = Number(args.concurrency);
const adminUrl = process.env.BENCH_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
const machines = [
  { id: 'bench-madrid', timezone: 'Europe/Madrid' },
  { id: 'bench-utc', timezone: 'UTC' },
  { id: 'bench-newyork', timezone: 'America/New_York' },
];
const year = 2024;

const say = (line: string) => process.stdout.write(`${line}\n`);

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function seed(db: Kysely<object>): Promise<void> {
  for (const m of machines) {
    const hours = sql`
      select h as hour_ts, (h at time zone ${m.timezone})::date as day, extract(epoch from h) as e
      from generate_series((${`${year}-01-01`}::timestamp at time zone ${m.timezone}),
                           (${`${year + 1}-01-01`}::timestamp at time zone ${m.timezone}) - interval '1 hour',
                           interval '1 hour') as h`;
    await sql`
      insert into agg_sensor_stats (machine_id, sensor_name, hour_ts, day, min_value, max_value, avg_value, std_dev, readings_count)
      select ${m.id}, 'TEMPERATURA_BASE', hour_ts, day,
             20 + 4 * sin(e / 86400.0), 24 + 4 * sin(e / 86400.0) + (e::bigint % 7) / 10.0,
             22 + 4 * sin(e / 86400.0), 0.5 + (e::bigint % 11) / 20.0, 3600
      from (${hours}) hours`.execute(db);
    await sql`
      insert into energy_consumption_hourly (machine_id, hour_ts, day, energy_kwh)
      select ${m.id}, hour_ts, day, 10 + 30 * abs(sin(e / 7200.0)) from (${hours}) hours`.execute(db);
    const days = sql`
      select d::date as day,
             extract(epoch from ((d + interval '1 day')::timestamp at time zone ${m.timezone})
                              - (d::timestamp at time zone ${m.timezone})) as day_seconds,
             extract(doy from d)::int as n
      from generate_series(${`${year}-01-01`}::date, ${`${year}-12-31`}::date, interval '1 day') as d`;
    await sql`
      insert into agg_machine_activity_daily (machine_id, day, running_seconds, unplanned_down_seconds, planned_down_seconds, day_seconds)
      select ${m.id}, day, day_seconds * (0.3 + (n % 5) / 10.0), day_seconds * 0.1,
             day_seconds * (0.6 - (n % 5) / 10.0), day_seconds
      from (${days}) days`.execute(db);
    await sql`
      insert into machine_program_data (machine_id, day, program, duration_seconds)
      select ${m.id}, day, p::text, 600 * p + n from (${days}) days, generate_series(1, 4) as p`.execute(db);
    await sql`
      insert into alerts_daily_count (machine_id, day, alert_type, amount)
      select ${m.id}, day, t, 1 + (n % 4) from (${days}) days,
             unnest(array['error', 'warning', 'other']) as t`.execute(db);
    await sql`
      insert into alerts_detail (machine_id, id, day, alert_ts, alert_type, alarm_code, alarm_description, source_variable, raw)
      select ${m.id}, (extract(epoch from ts) * 1000)::bigint * 1000, day, ts, 'error', 'PLC' || k,
             'Fallo ' || k, 'ALARMS', '[]'::jsonb
      from (select day, (day::timestamp + k * interval '4 hours 7 minutes') at time zone ${m.timezone} as ts, k
            from (${days}) days, generate_series(1, 5) as k) a`.execute(db);
    await sql`
      insert into etl_runs (machine_id, etl, day, status, complete, horizon, rows_read, rows_written, started_at, finished_at)
      select ${m.id}, etl, day, 'succeeded', true, now(), 300000, 24, now() - interval '1 minute', now()
      from (${days}) days,
           unnest(${[...etlIds]}::text[]) as etl`.execute(db);
  }
  await sql`analyze`.execute(db);
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Result {
  name: string;
  requests: number;
  failures: number;
  rps: number;
  p50: number;
  p99: number;
  /** CPU time of the API process per request (ms), where /proc tells it. */
  cpuMs: number | null;
}

// USER_HZ, the unit of /proc's CPU times: 100 on every Linux Node runs on.
const clockTicks = 100;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return null;
  }
}

function getStatus(
  agent: http.Agent,
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function getText(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += String(chunk);
        });
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

/** How a target's requests are made: a path per request, optional headers, the status expected. */
interface Target {
  name: string;
  /** The API process it is sent to. */
  port: number;
  pid: number | undefined;
  pathFor: (i: number) => string;
  headersFor?: (path: string) => Record<string, string>;
  expect?: number;
}

/** What one timed load of a target saw. */
interface Sample {
  latencies: number[];
  failures: number;
  seconds: number;
  /** CPU seconds the API process spent meanwhile. */
  cpu: number | null;
}

/** Fixed concurrency for a fixed time: each worker sends its next request when the last answers. */
async function load(target: Target, durationMs: number): Promise<Sample> {
  const { pathFor, port } = target;
  const expected = target.expect ?? 200;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let failures = 0;
  let counter = 0;
  const cpuBefore = cpuSeconds(target.pid);
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const path = pathFor(counter++);
        const headers = target.headersFor?.(path) ?? {};
        const t0 = performance.now();
        const status = await getStatus(agent, port, path, headers).catch(() => 0);
        if (status !== expected) failures++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuSeconds(target.pid);
  agent.destroy();
  const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  return { latencies, failures, seconds, cpu };
}

/** One line per target, over all its samples (throughput over their total time, percentiles over all requests). */
function report(target: Target, samples: Sample[]): Result {
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const seconds = samples.reduce((sum, s) => sum + s.seconds, 0);
  const failures = samples.reduce((sum, s) => sum + s.failures, 0);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const cpu = samples.every((s) => s.cpu !== null) ? samples.reduce((sum, s) => sum + (s.cpu ?? 0), 0) : null;
  const result = {
    name: target.name,
    requests: latencies.length,
    failures,
    rps: latencies.length / seconds,
    p50: at(0.5),
    p99: at(0.99),
    cpuMs: cpu === null || latencies.length === 0 ? null : (cpu * 1000) / latencies.length,
  };
  const cpuText = result.cpuMs === null ? '' : `API cpu ${result.cpuMs.toFixed(3)} ms/req   `;
  say(
    `${target.name.padEnd(26)} ${result.rps.toFixed(0).padStart(7)} req/s   p50 ${result.p50.toFixed(2).padStart(6)} ms   p99 ${result.p99.toFixed(2).padStart(6)} ms   ${cpuText}${result.requests} requests, ${failures} not ${target.expect ?? 200}`,
  );
  return result;
}

// Deterministic variety: a different day of the seeded year and machine per request.
function dayOf(i: number): string {
  const d = new Date(Date.UTC(year, 0, 1) + ((i * 7919) % 366) * 86_400_000);
  return d.toISOString().slice(0, 10);
}
const machineOf = (i: number) => machines[i % machines.length]!.id;

const children: ChildProcess[] = [];

/** Starts `src/main.ts` on a free port with `env` added; resolves once it answers and, with its cache on, listens for slice changes. */
async function startApi(
  url: string,
  machinesFile: string,
  env: Record<string, string>,
): Promise<{ port: number; pid: number | undefined }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      AGG_DATABASE_URL: url,
      MACHINES_FILE: machinesFile,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    // Request logs are written (a real cost) and discarded.
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const started = performance.now();
  const probe = new http.Agent({ keepAlive: false });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    if ((await getStatus(probe, port, '/readyz').catch(() => 0)) === 200) break;
    if (performance.now() - started > 30_000) throw new Error('the API did not start within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Until it listens for slice changes the API keeps no answer.
  if (!env.API_CACHE_MB) {
    for (;;) {
      if (/^mm_api_answer_cache_trusted 1/m.test(await getText(port, '/metrics'))) break;
      if (performance.now() - started > 30_000)
        throw new Error('the API did not listen for slice changes within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { port, pid: child.pid };
}

const loadAverage = () =>
  `${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (1, 5, 15 min) on ${availableParallelism()} cores`;

async function main(): Promise<void> {
  const dbName = `mm_bench_api_${process.pid}_${Date.now().toString(36)}`;
  const admin = createDb<object>(adminUrl, { max: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'mm-bench-api-'));
  let db: Kysely<object> | null = null;
  const cleanup = async () => {
    for (const child of children) {
      if (child.exitCode !== null) continue;
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await db?.destroy();
    await sql.raw(`drop database if exists ${dbName} with (force)`).execute(admin);
    await admin.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    void cleanup().finally(() => process.exit(130));
  });
  try {
    await sql.raw(`create database ${dbName}`).execute(admin);
    const url = withDatabase(adminUrl, dbName);
    db = createDb<object>(url, { max: 2 });
    await migrateToLatest(db);
    let t = performance.now();
    await seed(db);
    const { rows } = await sql<{ n: number }>`
      select (select count(*) from agg_sensor_stats) + (select count(*) from energy_consumption_hourly)
           + (select count(*) from agg_machine_activity_daily) + (select count(*) from machine_program_data)
           + (select count(*) from alerts_daily_count) + (select count(*) from alerts_detail)
           + (select count(*) from etl_runs) as n`.execute(db);
    say(
      `seeded ${rows[0]?.n} aggregate rows (${machines.length} machines x ${year}) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    const machinesFile = join(dir, 'machines.json');
    writeFileSync(
      machinesFile,
      JSON.stringify({
        machines: machines.map((m) => ({
          id: m.id,
          name: m.id,
          rawDatabaseUrl: url,
          timezone: m.timezone,
          profile: 'logger',
        })),
      }),
    );
    t = performance.now();
    const cached = await startApi(url, machinesFile, {});
    const uncached = await startApi(url, machinesFile, { API_CACHE_MB: '0' });
    const port = cached.port;
    say(
      `APIs up on 127.0.0.1:${cached.port} (answer cache on) and :${uncached.port} (API_CACHE_MB=0) after ${((performance.now() - t) / 1000).toFixed(1)} s; concurrency ${concurrency}, ${warmupSeconds} s warm-up + ${seconds} s per target`,
    );

    // Other work on the machine shares the cores with the servers, PostgreSQL and this client.
    say(`load average before the run: ${loadAverage()}`);
    const temperaturePath = (i: number) =>
      `/api/v1/temperature?target_date=${dayOf(i)}&machine=${machineOf(i)}`;
    // The dashboard's refresh: the same URLs again with the ETags they were served with (every
    // seeded day and machine; the ledger does not change during the run, so each answer is a 304).
    const etags = new Map<string, string>();
    const tagAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    for (let i = 0; i < 366 * machines.length; i++) {
      const path = temperaturePath(i);
      if (etags.has(path)) continue;
      const tag = await new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path, agent: tagAgent }, (res) => {
            res.resume();
            res.on('end', () => resolve(String(res.headers.etag ?? '')));
          })
          .on('error', reject);
      });
      if (!tag) throw new Error(`${path} carries no ETag`);
      etags.set(path, tag);
    }
    tagAgent.destroy();
    // A parameter the route ignores makes each URL one no request asked before: a cache miss.
    let fresh = 0;
    const coldPath = () => `${temperaturePath(fresh)}&n=${fresh++}`;
    const ceilingTarget: Target = { name: 'GET / (ceiling)', port, pid: cached.pid, pathFor: () => '/' };
    const targets: Target[] = [
      ceilingTarget,
      { name: 'GET /api/v1/temperature', port, pid: cached.pid, pathFor: temperaturePath },
      {
        name: 'GET temperature (304)',
        port,
        pid: cached.pid,
        pathFor: temperaturePath,
        headersFor: (path) => ({ 'If-None-Match': etags.get(path) ?? '' }),
        expect: 304,
      },
      {
        name: 'GET /api/v1/machine_util',
        port,
        pid: cached.pid,
        pathFor: (i) => `/api/v1/machine_util?target_date=${dayOf(i)}&machine=${machineOf(i)}`,
      },
    ];
    const results = new Map<string, Result>();
    for (const target of targets) {
      await load(target, warmupSeconds * 1000);
      results.set(target.name, report(target, [await load(target, seconds * 1000)]));
    }
    // The cold path against the same requests without a cache, whose ratio is near 1: measured in
    // quarters, in the order miss, no cache, no cache, miss, twice, so a drift of the machine's load
    // weighs on both alike.
    const miss: Target = { name: 'GET temperature (miss)', port, pid: cached.pid, pathFor: coldPath };
    const noCache: Target = {
      name: 'GET temperature (no cache)',
      port: uncached.port,
      pid: uncached.pid,
      pathFor: coldPath,
    };
    const cold = new Map<Target, Sample[]>([
      [miss, []],
      [noCache, []],
    ]);
    for (const target of [miss, noCache]) await load(target, warmupSeconds * 1000);
    for (const target of [miss, noCache, noCache, miss, miss, noCache, noCache, miss])
      cold.get(target)?.push(await load(target, seconds * 250));
    for (const [target, samples] of cold) results.set(target.name, report(target, samples));
    say(`load average after the run: ${loadAverage()}`);
    const metrics = await getText(port, '/metrics');
    const metric = (pattern: RegExp) => pattern.exec(metrics)?.[1] ?? '?';
    say(
      `answer cache: ${metric(/^mm_api_answer_cache_requests_total\{result="hit"\} (\d+)/m)} hits, ${metric(/^mm_api_answer_cache_requests_total\{result="miss"\} (\d+)/m)} misses, ${metric(/^mm_api_answer_cache_evictions_total\{reason="size"\} (\d+)/m)} evicted for room, ${(Number(metric(/^mm_api_answer_cache_bytes (\d+)/m)) / 2 ** 20).toFixed(1)} MiB held`,
    );
    const ceiling = results.get(ceilingTarget.name)!;
    const temperature = results.get('GET /api/v1/temperature')!;
    const notModified = results.get('GET temperature (304)')!;
    const missed = results.get('GET temperature (miss)')!;
    const uncachedResult = results.get('GET temperature (no cache)')!;
    if ([...results.values()].some((r) => r.failures > 0))
      say('warning: some requests did not answer as expected');
    say(
      `api temperature miss / no cache: ${(missed.rps / uncachedResult.rps).toFixed(2)}x (${missed.rps.toFixed(0)} vs ${uncachedResult.rps.toFixed(0)} req/s, p99 ${missed.p99.toFixed(1)} vs ${uncachedResult.p99.toFixed(1)} ms${missed.cpuMs !== null && uncachedResult.cpuMs !== null ? `; API cpu ${missed.cpuMs.toFixed(3)} vs ${uncachedResult.cpuMs.toFixed(3)} ms per request` : ''})`,
    );
    say(
      `api temperature 304 / ceiling: ${(notModified.rps / ceiling.rps).toFixed(2)}x (${notModified.rps.toFixed(0)} req/s, p99 ${notModified.p99.toFixed(1)} ms)`,
    );
    say(
      `api temperature / ceiling: ${(temperature.rps / ceiling.rps).toFixed(2)}x (${temperature.rps.toFixed(0)} req/s, p99 ${temperature.p99.toFixed(1)} ms)`,
    );
  } finally {
    await cleanup();
  }
}

await main();
