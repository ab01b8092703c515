// `pnpm bench queue`: the same backfill (every ETL over N days of a simulated `logger` machine) run
// in process at concurrency 1 (the baseline), then through the queue with one worker process, then
// with two, each into a fresh aggregation database; jobs/s, raw rows/s and the ratio of each queue
// run's wall time to the baseline's, all in one run; between them, one ETL per runner call in process
// with its statements timed, for the per-job breakdown. `--repeat N` keeps each design's best of N
// (the designs take turns). Figures: apps/worker/README.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { addDays, daysBetween } from '@mm/calendar';
import { builtInProfiles, type Machine } from '@mm/config';
import { type AggDatabase, createDb, migrateToLatest, type RawDatabase } from '@mm/db';
import { backfill, etlIds, runEtls } from '@mm/etl';
import { createEtlQueues, createRedis, enqueue, redisReady } from '@mm/queue';
import { sql } from 'kysely';
// The ETL bench's own helpers, by path: bench code is no package's export.
import { ensurePlantDb, withDatabase } from '../../../packages/etl/bench/plant-db.ts';
import { purposeOf, StatementProfiler } from '../../../packages/etl/bench/statement-profiler.ts';
import { type CpuReading, cpuBetween, readCpu } from './cpu-meter.ts';

const say = (line = '') => process.stdout.write(`${line}\n`);
const { values: flags } = parseArgs({
  options: {
    days: { type: 'string', default: '30' },
    seed: { type: 'string', default: '42' },
    start: { type: 'string', default: '2024-03-04' },
    timezone: { type: 'string', default: 'Europe/Madrid' },
    repeat: { type: 'string', default: '1' },
    // Each worker process writes a V8 CPU profile (node --cpu-prof) into this directory when it exits.
    'cpu-prof': { type: 'string' },
  },
  strict: true,
});
const repeat = Number(flags.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat must be a whole number >= 1');
const days = Number(flags.days);
if (!Number.isInteger(days) || days < 1) throw new Error('--days must be a whole number >= 1');
const spec = { seed: Number(flags.seed), days, start: flags.start!, timezone: flags.timezone! };
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const pgPort = Number(new URL(adminUrl).port || 5432);
// Reads the CPU of the processes and their database backends (cpu-meter.ts).
const meterDb = createDb<Record<string, never>>(adminUrl, { max: 1 });

const plant = await ensurePlantDb(adminUrl, spec, { rebuild: false, log: say });
const machine: Machine = {
  id: 'bench-press',
  name: 'Bench press (simulated)',
  rawDatabaseUrl: plant.url,
  timezone: spec.timezone,
  profileName: 'logger',
  profile: builtInProfiles.logger,
};
// The same raw database under a second id: its jobs warm each design up before the clock starts
// (JIT, connections, the backends' caches), as a long-lived worker is warm when a backfill reaches
// it, without writing any row of the timed machine.
const warmupMachine: Machine = { ...machine, id: 'bench-warmup', name: 'Bench warm-up (same raw data)' };
const machinesPath = join(mkdtempSync(join(tmpdir(), 'mm-bench-queue-')), 'machines.json');
writeFileSync(
  machinesPath,
  JSON.stringify({
    machines: [machine, warmupMachine].map((m) => ({
      id: m.id,
      name: m.name,
      rawDatabaseUrl: plant.url,
      timezone: spec.timezone,
      profile: 'logger',
    })),
  }),
);
const dayList = daysBetween(spec.start, addDays(spec.start, days - 1));
const jobs = dayList.length * etlIds.length;
const warmupDays = dayList.slice(0, Math.min(6, dayList.length));
const warmupJobs = warmupDays.length * etlIds.length;
say(
  `backfill: ${dayList.length} days x ${etlIds.length} ETLs = ${jobs} slices, ${plant.rows.toLocaleString('en-US')} raw rows; each design first runs ${warmupJobs} warm-up jobs (another machine id, same raw data) outside the clock`,
);

/** A fresh, migrated aggregation database for one run; dropped at the end. */
async function freshAgg(label: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `mm_bench_queue_${label}_${process.pid}`;
  const admin = createDb<Record<string, never>>(adminUrl, { max: 1 });
  await sql.raw(`drop database if exists ${name} with (force)`).execute(admin);
  await sql.raw(`create database ${name}`).execute(admin);
  const url = withDatabase(adminUrl, name);
  const db = createDb<AggDatabase>(url, { max: 1 });
  await migrateToLatest(db);
  await db.destroy();
  return {
    name,
    url,
    async drop() {
      await sql.raw(`drop database if exists ${name} with (force)`).execute(admin);
      await admin.destroy();
    },
  };
}

interface RunFigures {
  label: string;
  ms: number;
}

/** Where a run's CPU went, ms per job: the client processes, their backends on each database. */
interface CpuFigures {
  clients: number;
  agg: number;
  raw: number;
}
const cpuPerJob = (before: CpuReading, after: CpuReading, aggName: string, count = jobs): CpuFigures => {
  const used = cpuBetween(before, after);
  let agg = 0;
  let raw = 0;
  for (const [db, ms] of used.backends) {
    if (db === aggName) agg += ms;
    else raw += ms;
  }
  return { clients: used.clients / count, agg: agg / count, raw: raw / count };
};
const cpuLine = (cpu: CpuFigures) =>
  `${cpu.clients.toFixed(2).padStart(6)} + ${cpu.agg.toFixed(2).padStart(6)} + ${cpu.raw.toFixed(2).padStart(6)} = ${(
    cpu.clients +
    cpu.agg +
    cpu.raw
  )
    .toFixed(2)
    .padStart(6)} ms CPU`;
const report = (r: RunFigures, base?: RunFigures) => {
  const ratio = base ? ` ${(r.ms / base.ms).toFixed(2)}x in-process` : '';
  say(
    `${r.label.padEnd(26)} ${(r.ms / 1000).toFixed(2).padStart(7)} s  ${((jobs / r.ms) * 1000).toFixed(1).padStart(6)} jobs/s  ${Math.round(
      (plant.rows / r.ms) * 1000,
    )
      .toLocaleString('en-US')
      .padStart(10)} raw rows/s${ratio}`,
  );
};

// 1. In process, one day at a time (all ETLs of a day over one raw snapshot).
async function inProcess(): Promise<{ ms: number; cpu: CpuFigures }> {
  const agg = await freshAgg('inproc');
  const aggDb = createDb<AggDatabase>(agg.url, { max: 2 });
  const rawDb = createDb<RawDatabase>(plant.url, { readOnly: true, max: 2 });
  const warmup = await backfill(
    {
      machines: [warmupMachine],
      etls: [...etlIds],
      from: warmupDays[0]!,
      to: warmupDays.at(-1)!,
      concurrency: 1,
    },
    { aggDb, rawDb: () => rawDb },
  );
  if (warmup.slicesFailed > 0) throw new Error(`in-process warm-up: ${warmup.slicesFailed} slices failed`);
  const cpuBefore = await readCpu(meterDb, [process.pid], pgPort);
  const started = performance.now();
  const summary = await backfill(
    { machines: [machine], etls: [...etlIds], from: spec.start, to: dayList.at(-1)!, concurrency: 1 },
    { aggDb, rawDb: () => rawDb },
  );
  const ms = performance.now() - started;
  const cpu = cpuPerJob(cpuBefore, await readCpu(meterDb, [process.pid], pgPort), agg.name);
  if (summary.slicesFailed > 0) throw new Error(`in-process run: ${summary.slicesFailed} slices failed`);
  await Promise.all([aggDb.destroy(), rawDb.destroy()]);
  await agg.drop();
  return { ms, cpu };
}

// 1b. In process, one ETL per runner call as a queue job runs it (its own snapshot, observation
// lookup, ledger), every statement timed by purpose: what a job costs before BullMQ and Redis.
async function perJobRun() {
  const agg = await freshAgg('perjob');
  const profiler = new StatementProfiler();
  const aggDb = createDb<AggDatabase>(agg.url, { max: 2 }).withPlugin(profiler);
  const rawDb = createDb<RawDatabase>(plant.url, { readOnly: true, max: 2 }).withPlugin(profiler);
  const started = performance.now();
  for (const day of dayList) {
    for (const etl of etlIds) {
      const [run] = await runEtls({ aggDb, rawDb, machine, etls: [etl], day });
      if (!run?.ok) throw new Error(`per-job run: ${etl} ${day} failed`);
    }
  }
  const ms = performance.now() - started;
  await Promise.all([aggDb.destroy(), rawDb.destroy()]);
  await agg.drop();
  return { ms, stats: profiler.stats() };
}

// 2 and 3. Through the queue, with 1 then 2 worker processes (one job at a time each).
/**
 * How many times the day's raw observation (fingerprint and carried state) was taken rather than
 * reused: each one wrote `raw_observations`. Read once the workers' backends are gone (a backend
 * reports its counts when it ends).
 */
async function observationsTaken(agg: { name: string; url: string }): Promise<number> {
  const db = createDb<Record<string, never>>(agg.url, { max: 1 });
  try {
    for (;;) {
      const { rows } = await sql<{ others: string }>`
        select count(*) as others from pg_stat_activity
        where datname = ${agg.name} and pid <> pg_backend_pid()`.execute(db);
      if (Number(rows[0]?.others) === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const { rows } = await sql<{ writes: string | null }>`
      select n_tup_ins + n_tup_upd as writes from pg_stat_user_tables
      where relname = 'raw_observations'`.execute(db);
    return Number(rows[0]?.writes ?? 0);
  } finally {
    await db.destroy();
  }
}

async function throughQueue(
  processes: number,
  attempt: number,
): Promise<{ ms: number; cpu: CpuFigures; lastHalf: CpuFigures; observations: number }> {
  const agg = await freshAgg(`q${processes}_${attempt}`);
  const prefix = `mm_bench_${process.pid}_${processes}_${attempt}`;
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    AGG_DATABASE_URL: agg.url,
    REDIS_URL: redisUrl,
    MACHINES_FILE: machinesPath,
    QUEUE_PREFIX: prefix,
    WORKER_CONCURRENCY: '1',
    MACHINE_MAX_JOBS: '2',
    LOG_LEVEL: 'warn',
  };
  const workers: ChildProcess[] = [];
  for (let i = 0; i < processes; i++) {
    const port = 19_400 + i;
    const profile = flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${flags['cpu-prof']}`] : [];
    const child = spawn(
      process.execPath,
      [...profile, '--import', 'tsx', join(repoRoot, 'apps/worker/src/main.ts')],
      {
        cwd: repoRoot,
        env: { ...env, WORKER_PORT: String(port) },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    workers.push(child);
    for (let t = 0; ; t++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
      } catch {}
      if (t > 300) throw new Error('a worker did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const redis = createRedis(redisUrl, 'producer');
  await redisReady(redis);
  const queues = createEtlQueues({ connection: redis, prefix });
  const slices = dayList.flatMap((day) => etlIds.map((etl) => ({ machine: machine.id, etl, day })));
  const pids = workers.map((child) => child.pid ?? 0);
  const jobCounts = async () => {
    let completed = 0;
    let failed = 0;
    for (const queue of queues.all()) {
      const counts = await queue.getJobCounts('completed', 'failed');
      completed += counts.completed ?? 0;
      failed += counts.failed ?? 0;
    }
    if (failed > 0) throw new Error(`${failed} jobs failed`);
    return completed;
  };
  await enqueue(
    queues,
    warmupDays.flatMap((day) => etlIds.map((etl) => ({ machine: warmupMachine.id, etl, day }))),
  );
  while ((await jobCounts()) < warmupJobs) await new Promise((r) => setTimeout(r, 20));
  const cpuBefore = await readCpu(meterDb, pids, pgPort);
  const started = performance.now();
  await enqueue(queues, slices);
  // Also read once half the jobs completed: the second half's CPU per job, beside the whole run's,
  // shows whether anything still warms up during the run.
  let halfway: { reading: CpuReading; completed: number } | undefined;
  for (;;) {
    const completed = (await jobCounts()) - warmupJobs;
    if (completed === jobs) break;
    if (!halfway && completed >= jobs / 2)
      halfway = { reading: await readCpu(meterDb, pids, pgPort), completed };
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - started;
  const cpuAfter = await readCpu(meterDb, pids, pgPort);
  const cpu = cpuPerJob(cpuBefore, cpuAfter, agg.name);
  const lastHalf = halfway ? cpuPerJob(halfway.reading, cpuAfter, agg.name, jobs - halfway.completed) : cpu;
  for (const child of workers) child.kill('SIGTERM');
  await Promise.all(workers.map((c) => new Promise((r) => c.once('exit', r))));
  const observations = await observationsTaken(agg);
  await queues.close();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
  await agg.drop();
  return { ms, cpu, lastHalf, observations };
}

// The designs take turns, so a burst of load on the shared machine hits them alike; each keeps its
// best run.
let inProcessMs = Number.POSITIVE_INFINITY;
let perJob: Awaited<ReturnType<typeof perJobRun>> | undefined;
let queueOneMs = Number.POSITIVE_INFINITY;
let queueTwoMs = Number.POSITIVE_INFINITY;
// The CPU figures of each design's best run.
const cpuOf = new Map<string, CpuFigures>();
const lastHalfOf = new Map<string, CpuFigures>();
for (let attempt = 0; attempt < repeat; attempt++) {
  const local = await inProcess();
  if (local.ms < inProcessMs) {
    inProcessMs = local.ms;
    cpuOf.set('in-process, concurrency 1', local.cpu);
  }
  const run = await perJobRun();
  if (!perJob || run.ms < perJob.ms) perJob = run;
  const one = await throughQueue(1, attempt);
  say(
    `  (queue, 1 worker: ${one.observations} raw observations taken for ${dayList.length + warmupDays.length} days, warm-up included)`,
  );
  say(`  (queue, 1 worker: second half of the jobs ${cpuLine(one.lastHalf)} a job)`);
  if (one.ms < queueOneMs) {
    queueOneMs = one.ms;
    cpuOf.set('queue, 1 worker process', one.cpu);
    lastHalfOf.set('queue, 1 worker process', one.lastHalf);
  }
  const two = await throughQueue(2, attempt);
  say(
    `  (queue, 2 workers: ${two.observations} raw observations taken for ${dayList.length + warmupDays.length} days, warm-up included)`,
  );
  say(`  (queue, 2 workers: second half of the jobs ${cpuLine(two.lastHalf)} a job)`);
  if (two.ms < queueTwoMs) {
    queueTwoMs = two.ms;
    cpuOf.set('queue, 2 worker processes', two.cpu);
    lastHalfOf.set('queue, 2 worker processes', two.lastHalf);
  }
}
await meterDb.destroy();
if (!perJob) throw new Error('unreachable: --repeat is at least 1');
const base = { label: 'in-process, concurrency 1', ms: inProcessMs };
report(base, base);
say(
  `${'in-process, one ETL a call'.padEnd(26)} ${(perJob.ms / 1000).toFixed(2).padStart(7)} s  ${(
    (jobs / perJob.ms) *
    1000
  )
    .toFixed(1)
    .padStart(6)} jobs/s  (${(perJob.ms / base.ms).toFixed(2)}x in-process; not a queue run)`,
);
report({ label: 'queue, 1 worker process', ms: queueOneMs }, base);
const two = { label: 'queue, 2 worker processes', ms: queueTwoMs };
report(two, base);

// Where a job's time goes: the runner's statements by purpose (the per-job run above), then
// BullMQ, Redis and the machine slot (the one-worker queue run against the per-job run).
say();
say(`per job (${jobs} jobs), by purpose:`);
const statementMs = perJob.stats.reduce((sum, x) => sum + x.ms, 0);
const purposes = new Map<string, { ms: number; calls: number }>();
for (const stat of perJob.stats) {
  const kept = purposes.get(purposeOf(stat.statement)) ?? { ms: 0, calls: 0 };
  purposes.set(purposeOf(stat.statement), { ms: kept.ms + stat.ms, calls: kept.calls + stat.calls });
}
purposes.set('outside statements (begin/commit, pool, JS)', {
  ms: Math.max(0, perJob.ms - statementMs),
  calls: 0,
});
purposes.set('queue: BullMQ, Redis, machine slot, process (1 worker vs in process)', {
  ms: Math.max(0, queueOneMs - perJob.ms),
  calls: 0,
});
for (const [purpose, { ms, calls }] of [...purposes].sort((a, b) => b[1].ms - a[1].ms)) {
  say(
    `  ${(ms / jobs).toFixed(2).padStart(7)} ms${calls ? ` ${(calls / jobs).toFixed(1).padStart(5)} statements` : '            '}  ${purpose}`,
  );
}
say();

// What each design's best run burned on the machine's cores per job, against its wall time per job:
// two worker processes can only approach half the in-process time while the sum stays near it.
say(
  'CPU per job (best run of each; ms): client processes + their PostgreSQL backends (agg, raw) = total, wall',
);
for (const [label, wallMs] of [
  ['in-process, concurrency 1', inProcessMs],
  ['queue, 1 worker process', queueOneMs],
  ['queue, 2 worker processes', queueTwoMs],
] as const) {
  const cpu = cpuOf.get(label);
  if (!cpu) continue;
  say(`  ${label.padEnd(26)} ${cpuLine(cpu)}, ${(wallMs / jobs).toFixed(2).padStart(6)} ms wall`);
}
say('  the same runs, over the second half of their jobs:');
for (const [label, cpu] of lastHalfOf) say(`  ${label.padEnd(26)} ${cpuLine(cpu)}`);
say();

say(
  `queue 2 workers / in-process: ${(two.ms / base.ms).toFixed(2)}x (${((jobs / two.ms) * 1000).toFixed(1)} jobs/s)`,
);
