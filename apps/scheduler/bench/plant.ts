// `pnpm bench plant --machines N`: a plant of N machines on one PostgreSQL server with the default
// max_connections (100), planned by the real scheduler process and caught up by real worker
// processes, as a plant engineer would run it.
//
// Starts its own services, so nothing it does can touch the shared ones: a PostgreSQL cluster for the
// raw databases (max_connections=100, the product connecting as the read-only mm_reader login of
// db/raw-reader-role.sql), another for the aggregation database, and a Redis. Simulates `--databases`
// raw databases (`--days` days up to yesterday, the simulator's logger machine powered round the clock
// at `--volume`) and spreads the N machines over them, in four time zones. Then, in the same run:
//   1. the baseline: every slice of one machine run in this process (runEtls), for jobs/s;
//   2. the API, the scheduler (PLAN_EVERY_SECONDS=`--plan-every`) and `--workers` worker processes,
//      until every slice of every machine succeeded (catch-up), sampling the raw server's
//      connections (pg_stat_activity, from a superuser's reserved slot) every 100 ms;
//   3. two more plans after catch-up: no slice may run again (every machine's last day is partial
//      and its logger stopped: PARTIAL_REFRESH_SECONDS=`--refresh` makes every plan look at them);
//   4. GET /api/v2/plant `--requests` times, if the API has it (n/a otherwise).
// With --workers 0 (what 1,000 machines may run) only the scheduler and the API run: plans, no catch-up.
//
// Last line: `plant N machines: caught up in <s> s, peak <n> connections, plan <ms> ms` (the median
// plan). Progress lines go to stdout every few seconds.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { daysBetween, localDay } from '@mm/calendar';
import { parseMachinesText } from '@mm/config';
import { type AggDatabase, createDb, migrateToLatest, type RawDatabase } from '@mm/db';
import { etlIds, runEtls } from '@mm/etl';
import { roundTheClockSchedule, simulatePlant } from '@mm/raw';
import { collectJsonLines, freePort, startPrivatePostgres, startPrivateRedis } from '@mm/testing';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import pg from 'pg';

const { values: args } = parseArgs({
  options: {
    machines: { type: 'string', default: '50' },
    databases: { type: 'string', default: '4' },
    days: { type: 'string', default: '3' },
    volume: { type: 'string', default: '0.02' },
    workers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '2' },
    'plan-every': { type: 'string', default: '5' },
    refresh: { type: 'string', default: '0' },
    requests: { type: 'string', default: '200' },
    'timeout-minutes': { type: 'string', default: '60' },
  },
});
const N = Number(args.machines);
const D = Math.min(Number(args.databases), N);
const DAYS = Number(args.days);
const WORKERS = Number(args.workers);
const CONCURRENCY = Number(args.concurrency);
const PLAN_EVERY = Number(args['plan-every']);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const zones = ['UTC', 'Europe/Madrid', 'America/Chicago', 'Asia/Tokyo'];
const readerPassword = 'bench-reader-only';

const say = (line: string) => process.stdout.write(`${line}\n`);
const secondsSince = (t: number) => ((performance.now() - t) / 1000).toFixed(1);
const median = (xs: number[]) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN;
const percentile = (xs: number[], p: number) =>
  xs.length
    ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!
    : NaN;

interface App {
  name: string;
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** Starts `apps/<app>/src/main.ts` (node with tsx's loader), collecting its JSON log lines. */
function startApp(name: string, main: string, env: Record<string, string>): App {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, main)], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const app: App = {
    name,
    child,
    lines: [],
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  collectJsonLines(child.stdout, app.lines);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  void app.exited.then((code) => {
    if (code !== 0 && code !== null && !stopping) say(`${name} exited with ${code}: ${stderr.slice(-2000)}`);
  });
  return app;
}

async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let stopping = false;

async function main(): Promise<void> {
  say(
    `plant bench: ${N} machines over ${D} raw databases, ${DAYS} days each, ${WORKERS} workers x ` +
      `${CONCURRENCY}, plan every ${PLAN_EVERY} s (load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')})`,
  );
  const cleanups: Array<() => Promise<unknown>> = [];
  const started = performance.now();
  try {
    const [plant, product, redis] = await Promise.all([
      startPrivatePostgres({ maxConnections: 100 }),
      startPrivatePostgres({ maxConnections: 300 }),
      startPrivateRedis(),
    ]);
    cleanups.push(
      () => plant.stop(),
      () => product.stop(),
      () => redis.stop(),
    );
    say(`raw server: PostgreSQL on 127.0.0.1:${plant.port} (max_connections 100); agg and Redis apart`);

    // The raw databases: simulated, with the read-only login the product uses.
    const admin = new pg.Client({ connectionString: plant.url });
    await admin.connect();
    cleanups.push(() => admin.end());
    const start = new Date(Date.now() - DAYS * 86_400_000).toISOString().slice(0, 10);
    const buildStarted = performance.now();
    const databases = Array.from({ length: D }, (_, i) => `raw_${i + 1}`);
    for (const [i, name] of databases.entries()) {
      await admin.query(`create database ${name}`);
      await simulatePlant({
        url: plant.urlOf(name),
        seed: i + 1,
        start,
        days: DAYS,
        timezone: 'UTC',
        volume: Number(args.volume),
        // Powered every day, so any run has data whatever the weekday; the logger stops at the end.
        schedule: roundTheClockSchedule,
      });
      const role = spawnSync(
        'psql',
        [
          plant.urlOf(name),
          '-q',
          '-v',
          'ON_ERROR_STOP=1',
          '-v',
          `reader_password='${readerPassword}'`,
          '-f',
          'db/raw-reader-role.sql',
        ],
        { cwd: repoRoot, encoding: 'utf8' },
      );
      if (role.status !== 0) throw new Error(`db/raw-reader-role.sql failed: ${role.stderr}`);
    }
    say(`built ${D} raw databases (${DAYS} days from ${start}) in ${secondsSince(buildStarted)} s`);

    const machinesJson = JSON.stringify({
      machines: Array.from({ length: N }, (_, i) => ({
        id: `m-${String(i + 1).padStart(4, '0')}`,
        name: `Machine ${i + 1}`,
        timezone: zones[i % zones.length],
        profile: 'logger',
        rawDatabaseUrl: plant.urlOf(databases[i % D]!, 'mm_reader', readerPassword),
      })),
    });
    const dir = mkdtempSync(join(tmpdir(), 'mm-plant-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const machinesFile = join(dir, 'machines.json');
    writeFileSync(machinesFile, machinesJson);
    const parsed = parseMachinesText(machinesFile, () => machinesJson);
    if ('problems' in parsed) throw new Error(JSON.stringify(parsed.problems));
    const machines = parsed.machines;

    // The aggregation databases: the product's, and the baseline's.
    const productAdmin = new pg.Client({ connectionString: product.url });
    await productAdmin.connect();
    cleanups.push(() => productAdmin.end());
    for (const name of ['agg', 'agg_baseline']) await productAdmin.query(`create database ${name}`);
    const agg = createDb<AggDatabase>(product.urlOf('agg'), { max: 2 });
    cleanups.push(() => agg.destroy());
    await migrateToLatest(agg);

    // 1. Baseline: one machine's slices in this process, one after the other.
    const baselineDb = createDb<AggDatabase>(product.urlOf('agg_baseline'), { max: 2 });
    await migrateToLatest(baselineDb);
    const first = machines[0]!;
    const rawOfFirst = createDb<RawDatabase>(first.rawDatabaseUrl, { max: 1, readOnly: true });
    const baseStarted = performance.now();
    let baseSlices = 0;
    for (const day of daysBetween(start, localDay(Date.now(), first.timezone))) {
      for (const etl of etlIds) {
        const [r] = await runEtls({ aggDb: baselineDb, rawDb: rawOfFirst, machine: first, etls: [etl], day });
        if (r?.ok) baseSlices++;
      }
    }
    const baselineRate = baseSlices / ((performance.now() - baseStarted) / 1000);
    await Promise.all([rawOfFirst.destroy(), baselineDb.destroy()]);
    say(`baseline: ${baseSlices} slices of one machine in process, ${baselineRate.toFixed(1)} jobs/s`);

    // 2. The product.
    const redisClient = new Redis(redis.url);
    cleanups.push(async () => redisClient.disconnect());
    const memoryBefore = await usedMemory(redisClient);
    const env = {
      AGG_DATABASE_URL: product.urlOf('agg'),
      MACHINES_FILE: machinesFile,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: 'mm',
      WORKER_REPLICAS: String(Math.max(WORKERS, 1)),
      WORKER_CONCURRENCY: String(CONCURRENCY),
    };
    const sampler = sampleConnections(admin);
    cleanups.push(() => sampler.stop());
    const apiPort = await freePort();
    const apps: App[] = [
      startApp('api', 'apps/api/src/main.ts', { ...env, PORT: String(apiPort), HOST: '127.0.0.1' }),
      startApp('scheduler', 'apps/scheduler/src/main.ts', {
        ...env,
        PLAN_EVERY_SECONDS: String(PLAN_EVERY),
        PARTIAL_REFRESH_SECONDS: String(args.refresh),
        SCHEDULER_PORT: String(await freePort()),
      }),
    ];
    const runStarted = performance.now();
    for (let w = 0; w < WORKERS; w++) {
      apps.push(
        startApp(`worker-${w + 1}`, 'apps/worker/src/main.ts', {
          ...env,
          WORKER_PORT: String(await freePort()),
        }),
      );
    }
    cleanups.push(async () => {
      stopping = true;
      for (const app of apps) app.child.kill('SIGTERM');
      await Promise.all(apps.map((a) => a.exited));
    });
    const scheduler = apps[1]!;
    const plans = () => scheduler.lines.filter((l) => l.msg === 'planned');
    const firstPlan = await waitUntil('the first plan', () => plans()[0], 10 * 60_000);
    const firstPlanAt = performance.now();
    const total = firstPlan.due as number;
    if ((firstPlan.failedMachines as number) > 0) {
      const why = scheduler.lines.find((l) => l.msg === 'cannot plan machine');
      throw new Error(
        `the first plan could not read ${firstPlan.failedMachines} machines: ${JSON.stringify(why)}`,
      );
    }
    say(
      `first plan: ${total} slices due, ${firstPlan.durationMs} ms (${firstPlan.perMachineMs} ms per machine; ` +
        `phases ${JSON.stringify(firstPlan.phasesMs)})`,
    );

    const succeeded = async () =>
      Number(
        (
          await sql<{
            n: number;
          }>`select count(*)::int as n from etl_runs where status = 'succeeded'`.execute(agg)
        ).rows[0]?.n ?? 0,
      );
    let caughtUpS: number | null = null;
    let fromFirstPlanS = Number.NaN;
    if (WORKERS > 0) {
      let lastLine = 0;
      await waitUntil(
        'catch-up',
        async () => {
          const done = await succeeded();
          if (performance.now() - lastLine > 5000) {
            lastLine = performance.now();
            say(
              `  [${secondsSince(runStarted)} s] ${done}/${total} slices, ${plans().length} plans, ` +
                `peak ${sampler.peak.total} raw connections, load ${loadavg()[0]!.toFixed(2)}`,
            );
          }
          return done >= total ? true : undefined;
        },
        Number(args['timeout-minutes']) * 60_000,
      );
      caughtUpS = (performance.now() - runStarted) / 1000;
      fromFirstPlanS = (performance.now() - firstPlanAt) / 1000;
      say(
        `caught up: ${total} slices in ${caughtUpS.toFixed(1)} s (${fromFirstPlanS.toFixed(1)} s after the first plan)`,
      );
    } else {
      await waitUntil('three plans', () => (plans().length >= 3 ? true : undefined), 10 * 60_000);
    }

    const jobs =
      Number(await redisClient.zcard('mm:etl:completed')) + Number(await redisClient.zcard('mm:etl:failed'));
    const growthPerJob = jobs > 0 ? ((await usedMemory(redisClient)) - memoryBefore) / jobs : Number.NaN;
    const sample = await redisClient.zrange('mm:etl:completed', '0', '199');
    const hashBytes = await Promise.all(sample.map((id) => redisClient.memory('USAGE', `mm:etl:${id}`)));
    const bytesPerJob = hashBytes.length
      ? hashBytes.reduce((sum: number, b) => sum + Number(b ?? 0), 0) / hashBytes.length
      : Number.NaN;
    const attempts = async () =>
      Number(
        (await sql<{ n: number }>`select coalesce(sum(attempts), 0)::int as n from etl_runs`.execute(agg))
          .rows[0]?.n ?? 0,
      );
    const attemptsAtCatchUp = await attempts();

    // 3. Two more plans: nothing may run again (the loggers stopped).
    const plansSoFar = plans().length;
    await waitUntil(
      'two more plans',
      () => (plans().length >= plansSoFar + 2 ? true : undefined),
      5 * 60_000,
    );
    if (WORKERS > 0) await new Promise((r) => setTimeout(r, 2000));
    const reruns = (await attempts()) - attemptsAtCatchUp;
    const failed = Number(
      (await sql<{ n: number }>`select count(*)::int as n from etl_runs where status = 'failed'`.execute(agg))
        .rows[0]?.n ?? 0,
    );
    const partial = Number(
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from etl_runs where status = 'succeeded' and not complete`.execute(agg)
      ).rows[0]?.n ?? 0,
    );

    // 4. The plant endpoint, if the API has it.
    const plantUrl = `http://127.0.0.1:${apiPort}/api/v2/plant`;
    let plantLatency: string;
    const probe = await fetch(plantUrl).catch(() => null);
    if (!probe || probe.status === 404) plantLatency = 'n/a (GET /api/v2/plant not served)';
    else {
      const times: number[] = [];
      for (let i = 0; i < Number(args.requests); i++) {
        const t = performance.now();
        const res = await fetch(plantUrl);
        await res.arrayBuffer();
        times.push(performance.now() - t);
      }
      plantLatency = `p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms (${times.length} requests, status ${probe.status})`;
    }

    const durations = plans().map((l) => l.durationMs as number);
    const phases = ['raw', 'ledger', 'fingerprint', 'enqueue'].map(
      (phase) => `${phase} ${median(plans().map((l) => (l.phasesMs as Record<string, number>)[phase]!))}`,
    );
    const perMachine = plans().map((l) => l.perMachineMs as number);
    const errorLines = apps.flatMap((a) =>
      a.lines.filter((l) =>
        /connection error|too many clients|remaining connection slots/i.test(JSON.stringify(l)),
      ),
    );
    say('');
    say(
      `raw server connections, peak: ${sampler.peak.total} of 100 (by database: ${JSON.stringify(sampler.peak.byDatabase)}; by process at the peak: ${JSON.stringify(sampler.peak.byApp)})`,
    );
    say(`connection errors logged: ${errorLines.length}; failed slices: ${failed}`);
    say(
      `plans: ${durations.length}, first ${durations[0]} ms, median ${median(durations)} ms, max ${Math.max(...durations)} ms; ` +
        `per machine median ${median(perMachine)} ms`,
    );
    say(`plan phases, median ms: ${phases.join(', ')}`);
    if (caughtUpS !== null) {
      const rate = total / fromFirstPlanS;
      say(
        `catch-up: ${total} slices in ${caughtUpS.toFixed(1)} s from the processes' start, ` +
          `${fromFirstPlanS.toFixed(1)} s from the first plan: ${rate.toFixed(1)} jobs/s ` +
          `(${(rate / baselineRate).toFixed(2)}x one machine in process at ${baselineRate.toFixed(1)} jobs/s)`,
      );
    }
    const round = (x: number) => (Number.isFinite(x) ? String(Math.round(x)) : 'n/a');
    say(
      `redis: ${round(bytesPerJob)} bytes per kept job (MEMORY USAGE of ${hashBytes.length} job hashes); ` +
        `used_memory grew ${round(growthPerJob)} bytes per job over ${jobs} kept jobs (event stream and sets included)`,
    );
    say(
      `after catch-up: ${reruns} slices re-run in two more plans; ${partial} partial slices left as they are`,
    );
    say(`plant endpoint: ${plantLatency}`);
    say(
      `total bench time ${secondsSince(started)} s (load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')})`,
    );
    say(
      `plant ${N} machines: caught up in ${caughtUpS === null ? 'n/a' : caughtUpS.toFixed(1)} s, peak ${sampler.peak.total} connections, plan ${median(durations)} ms`,
    );
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 'NaN');
}

/** Samples the raw server's client connections (all but this one) every 100 ms, keeping the peak. */
function sampleConnections(admin: pg.Client) {
  const peak = {
    total: 0,
    byDatabase: {} as Record<string, number>,
    byApp: {} as Record<string, number>,
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await admin.query<{ datname: string; app: string; n: number }>(
        `select datname, application_name as app, count(*)::int as n from pg_stat_activity
         where backend_type = 'client backend' and pid <> pg_backend_pid() group by 1, 2`,
      );
      const total = rows.reduce((sum, r) => sum + r.n, 0);
      if (total > peak.total) {
        peak.total = total;
        peak.byApp = {};
        for (const r of rows) peak.byApp[r.app] = (peak.byApp[r.app] ?? 0) + r.n;
      }
      const byDb: Record<string, number> = {};
      for (const r of rows) byDb[r.datname] = (byDb[r.datname] ?? 0) + r.n;
      for (const [db, n] of Object.entries(byDb)) peak.byDatabase[db] = Math.max(peak.byDatabase[db] ?? 0, n);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    peak,
    async stop() {
      running = false;
      await loop;
    },
  };
}

await main();
