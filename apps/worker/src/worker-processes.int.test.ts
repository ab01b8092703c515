import { daysBetween } from '@mm/calendar';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { createDb } from '@mm/db';
import { type EtlId, etlIds } from '@mm/etl';
import {
  createEtlQueues,
  createRedis,
  type EtlQueues,
  enqueue,
  redisReady,
  type SliceJob,
  sliceJobId,
} from '@mm/queue';
import {
  aggregateTables,
  deletePrefix,
  machinesFile,
  runInProcess,
  simulateMachine,
  snapshot,
  uniquePrefix,
  WorkerProcess,
  waitFor,
} from '@mm/queue-testing';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// Real worker processes (apps/worker/src/main.ts) against the test PostgreSQL and Redis, each test
// under its own queue prefix. What each test injects is in its name and first lines.

const FROM = '2024-03-25'; // Monday to Thursday: working days of the simulated plant
const TO = '2024-03-28';
const DAYS = daysBetween(FROM, TO);

let raw: TestDatabase<RawDatabase>;
let reference: TestDatabase<AggDatabase>;
let producer: Redis;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  [raw, reference] = await Promise.all([createTestDatabase('raw'), createTestDatabase('agg')]);
  await simulateMachine(raw.db, FROM, DAYS.length);
  const { machines } = machinesFile([{ id: 'press-07', rawDatabaseUrl: raw.url }]);
  await runInProcess(reference.db, raw.db, machines[0]!, FROM, TO);
  producer = createRedis(inject('redisUrl'), 'producer');
  await redisReady(producer);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await producer.quit();
  await Promise.all([raw.drop(), reference.drop()]);
});

/** A fresh aggregation database, queues under a fresh prefix, and the worker environment for them. */
async function deployment(extraMachines: Array<{ id: string; rawDatabaseUrl: string }> = []) {
  const agg = await createTestDatabase('agg');
  const prefix = uniquePrefix();
  const queues = createEtlQueues({
    connection: producer,
    prefix,
    policy: {
      attempts: 3,
      backoffDelayMs: 200,
      keepCompletedSeconds: 3600,
      keepCompletedJobs: 1000,
      keepFailedSeconds: 3600,
    },
  });
  const file = machinesFile([{ id: 'press-07', rawDatabaseUrl: raw.url }, ...extraMachines]);
  cleanups.push(async () => {
    await queues.close();
    await deletePrefix(producer, prefix);
    await agg.drop();
  });
  const env = {
    AGG_DATABASE_URL: agg.url,
    REDIS_URL: inject('redisUrl'),
    MACHINES_FILE: file.path,
    QUEUE_PREFIX: prefix,
    STALLED_INTERVAL_MS: '1000',
    WORKER_CONCURRENCY: '2',
    MACHINE_MAX_JOBS: '2',
  };
  const start = async (overrides: Record<string, string> = {}) => {
    const worker = await WorkerProcess.start({ ...env, ...overrides });
    cleanups.push(async () => {
      worker.kill('SIGKILL');
      await worker.exited;
    });
    return worker;
  };
  return { agg, queues, prefix, start };
}

const allSlices = (machine = 'press-07'): SliceJob[] =>
  DAYS.flatMap((day) => etlIds.map((etl) => ({ machine, etl, day })));

async function finishedCount(queues: EtlQueues): Promise<{ completed: number; failed: number }> {
  const counts = await queues.queue.getJobCounts('completed', 'failed');
  return { completed: counts.completed ?? 0, failed: counts.failed ?? 0 };
}

async function ledger(agg: TestDatabase<AggDatabase>, machine = 'press-07') {
  return agg.db
    .selectFrom('etl_runs')
    .select(['etl', 'day', 'status', 'attempts', 'error'])
    .where('machine_id', '=', machine)
    .orderBy('day')
    .orderBy('etl')
    .execute();
}

/** Connections of the worker processes that are blocked on a lock in database `datname`. */
async function blockedWorkerBackends(admin: pg.Client, datname: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity
     where datname = $1 and application_name = 'mm-worker' and wait_event_type = 'Lock'`,
    [datname],
  );
  return rows[0]?.n ?? 0;
}

async function adminClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanups.push(() => client.end());
  return client;
}

describe('three worker processes', () => {
  let d: Awaited<ReturnType<typeof deployment>>;
  let workers: WorkerProcess[];
  let lateRaw: string;

  beforeAll(async () => {
    // A second machine whose raw database does not exist yet: its jobs fail until it does.
    lateRaw = `mm_t_${inject('runId')}_raw_late${Date.now().toString(36)}`;
    const lateUrl = new URL(raw.url);
    lateUrl.pathname = `/${lateRaw}`;
    d = await deployment([{ id: 'press-08', rawDatabaseUrl: lateUrl.toString() }]);
    workers = await Promise.all([d.start(), d.start(), d.start()]);
  });

  it('run a backfill once per slice, with tables equal to an in-process run, never over the per-machine cap', async () => {
    // Measured from outside: the worker processes' raw connections that are busy at once.
    const admin = await adminClient(raw.url);
    let maxBusy = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await admin.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
           where datname = $1 and application_name = 'mm-worker' and state <> 'idle'`,
          [raw.name],
        );
        maxBusy = Math.max(maxBusy, rows[0]?.n ?? 0);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();

    const results = await enqueue(d.queues, allSlices());
    expect(results.every((r) => r.outcome === 'added')).toBe(true);
    await waitFor(
      '20 completed jobs',
      async () => (await finishedCount(d.queues)).completed === 20 || undefined,
    );
    sampling = false;
    await sampler;

    expect(await finishedCount(d.queues)).toEqual({ completed: 20, failed: 0 });
    const runs = await ledger(d.agg);
    expect(runs).toHaveLength(20);
    expect(runs.every((r) => r.status === 'succeeded' && r.attempts === 1)).toBe(true);
    expect(await snapshot(d.agg.db)).toEqual(await snapshot(reference.db));

    // Each slice ran in exactly one process, and the job's log line says which slice it was.
    const done = workers.flatMap((w) => w.lines('slice done'));
    expect(done).toHaveLength(20);
    expect(new Set(done.map((l) => l.jobId)).size).toBe(20);
    for (const line of done) {
      expect(line).toMatchObject({ machine: 'press-07', jobId: `press-07__${line.etl}__${line.day}` });
    }
    expect(workers.filter((w) => w.lines('slice done').length > 0).length).toBeGreaterThan(1);

    // MACHINE_MAX_JOBS=2 while 3 processes x 2 could run 6 at once.
    expect(maxBusy).toBeGreaterThanOrEqual(1);
    expect(maxBusy).toBeLessThanOrEqual(2);
    const deferred = (await Promise.all(workers.map((w) => w.metrics())))
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.startsWith('mm_worker_jobs_total{') && line.includes('outcome="deferred"'))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    console.log(`per-machine cap: at most ${maxBusy} busy raw connections; ${deferred} jobs deferred`);
  });

  it('re-run a completed day through enqueue with force', async () => {
    const slice: SliceJob = { machine: 'press-07', etl: 'energy', day: '2024-03-27' };
    const [plain] = await enqueue(d.queues, [slice]);
    expect(plain?.outcome).toBe('pending');
    const [forced] = await enqueue(d.queues, [slice], { force: true });
    expect(forced?.outcome).toBe('requeued');
    await waitFor('the second energy run', async () => {
      const run = (await ledger(d.agg)).find((r) => r.etl === 'energy' && r.day === slice.day);
      return run?.attempts === 2 && run.status === 'succeeded';
    });
    expect(await snapshot(d.agg.db)).toEqual(await snapshot(reference.db));
  });

  it('complete a day that failed with its raw database unreachable, after job.retry() once it is back', async () => {
    const slice: SliceJob = { machine: 'press-08', etl: 'sensor-stats', day: '2024-03-26' };
    // The first attempt fails (database does not exist); the job has 3 attempts 200 ms apart: wait
    // until they are spent.
    await enqueue(d.queues, [slice]);
    const queue = d.queues.queue;
    const job = await waitFor('the job to fail', async () => {
      const found = await queue.getJob(sliceJobId(slice));
      return found && (await found.getState()) === 'failed' ? found : undefined;
    });
    expect(job.failedReason).toMatch(/does not exist/);
    expect((await ledger(d.agg, 'press-08'))[0]).toMatchObject({ status: 'failed' });
    const failedLines = workers.flatMap((w) => w.logs).filter((l) => l.msg === 'slice failed');
    expect(failedLines.length).toBeGreaterThan(0);
    expect(failedLines[0]).toMatchObject({
      level: 50,
      machine: 'press-08',
      etl: 'sensor-stats',
      jobId: job.id,
    });

    // The database comes back (with the plant's data), then an operator retries the job.
    const admin = await adminClient(inject('pgUrl'));
    await admin.query(`create database ${lateRaw} template ${inject('rawTemplate')}`);
    cleanups.push(() => admin.query(`drop database if exists ${lateRaw} with (force)`));
    const lateUrl = new URL(raw.url);
    lateUrl.pathname = `/${lateRaw}`;
    const late = createDb<RawDatabase>(lateUrl.toString(), { max: 1 });
    await simulateMachine(late, FROM, DAYS.length);
    await late.destroy();

    await job.retry();
    await waitFor('the retried job to complete', async () => (await job.getState()) === 'completed');
    expect((await ledger(d.agg, 'press-08'))[0]).toMatchObject({ status: 'succeeded', attempts: 4 });
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from agg_sensor_stats where machine_id = 'press-08' and day = ${slice.day}`.execute(
      d.agg.db,
    );
    expect(rows[0]?.n).toBeGreaterThan(0);
  });

  it('drain on SIGTERM and exit 0', async () => {
    for (const worker of workers) worker.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0]);
  });
});

describe('a worker killed in the middle of a job', () => {
  it('leaves no half-written day, and another worker completes it with identical tables', async () => {
    const d = await deployment();
    // pg_stat_activity is a snapshot per transaction: the client that holds the lock cannot watch.
    const [admin, locker] = await Promise.all([adminClient(d.agg.url), adminClient(d.agg.url)]);
    // Injected: the alerts ETL owns two tables; a lock on the second one holds the job after it has
    // replaced alerts_daily_count inside its transaction and before alerts_detail.
    await locker.query('begin');
    await locker.query('lock table alerts_detail in access exclusive mode');
    const doomed = await d.start({ WORKER_CONCURRENCY: '1' });
    await enqueue(d.queues, [{ machine: 'press-07', etl: 'alerts', day: '2024-03-26' }]);
    await waitFor(
      'the job to block inside its write',
      async () => (await blockedWorkerBackends(admin, d.agg.name)) > 0,
    );

    doomed.kill('SIGKILL');
    expect(await doomed.exited).toBeNull();
    const dayRows = async () =>
      (
        await admin.query<{ n: number }>(
          `select count(*)::int as n from alerts_daily_count where day = '2024-03-26'`,
        )
      ).rows[0]?.n;
    expect(await dayRows()).toBe(0);
    expect((await ledger(d.agg))[0]).toMatchObject({ status: 'running' });
    // The lock is released: the dead worker's backend (it notices its client is gone only now) goes on
    // with its statement, can never commit, and rolls back.
    await locker.query('rollback');
    await waitFor("the killed worker's connections to end", async () => {
      const { rows } = await admin.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = $1 and application_name like 'mm-worker%'`,
        [d.agg.name],
      );
      return rows[0]?.n === 0;
    });
    expect(await dayRows()).toBe(0); // nothing of the first table's replace survived

    // A second worker finds the stalled job (STALLED_INTERVAL_MS=1000) and runs it.
    const rescuer = await d.start();
    await waitFor('the rescued job', async () => (await ledger(d.agg))[0]?.status === 'succeeded');
    const alerts = async (db: TestDatabase<AggDatabase>) => {
      const all = await snapshot(db.db);
      return [all.alerts_daily_count, all.alerts_detail].map((rows) =>
        rows?.filter((r) => r.includes('2024-03-26')),
      );
    };
    const expected = await alerts(reference);
    expect(expected[0]?.length).toBeGreaterThan(0);
    expect(await alerts(d.agg)).toEqual(expected);
    expect(rescuer.lines('slice done')).toHaveLength(1);
    rescuer.kill('SIGTERM');
    expect(await rescuer.exited).toBe(0);
  });
});

describe('a worker locks only the jobs it runs', () => {
  it('shows WORKER_CONCURRENCY jobs active however many wait, and a SIGKILL strands only those', async () => {
    const d = await deployment();
    const [admin, locker] = await Promise.all([adminClient(d.agg.url), adminClient(d.agg.url)]);
    // Injected: every aggregate table locked, so each job that starts blocks inside its write.
    await locker.query('begin');
    await locker.query(`lock table ${aggregateTables.join(', ')} in access exclusive mode`);
    const doomed = await d.start({ WORKER_CONCURRENCY: '3', MACHINE_MAX_JOBS: '3' });
    await enqueue(d.queues, allSlices());
    await waitFor(
      'three jobs blocked in their writes',
      async () => (await blockedWorkerBackends(admin, d.agg.name)) === 3,
    );
    // Sampled for a while: never more active (locked) jobs than the worker runs.
    let maxActive = 0;
    for (let i = 0; i < 10; i++) {
      maxActive = Math.max(maxActive, await d.queues.queue.getActiveCount());
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(maxActive).toBe(3);
    expect(await d.queues.queue.getWaitingCount()).toBe(20 - 3);

    doomed.kill('SIGKILL');
    expect(await doomed.exited).toBeNull();
    await locker.query('rollback');
    // The dead worker's jobs are the only ones stranded; another worker picks them up once their
    // locks expire (STALLED_INTERVAL_MS=1000) and runs everything.
    expect(await d.queues.queue.getActiveCount()).toBe(3);
    const rescuer = await d.start();
    await waitFor('20 completed jobs', async () => (await finishedCount(d.queues)).completed === 20);
    expect((await ledger(d.agg)).every((r) => r.status === 'succeeded')).toBe(true);
    expect(await snapshot(d.agg.db)).toEqual(await snapshot(reference.db));
    rescuer.kill('SIGTERM');
    expect(await rescuer.exited).toBe(0);
  });
});

describe('a worker told to stop', () => {
  it('finishes its running job before exiting 0 (SIGTERM drain)', async () => {
    const d = await deployment();
    const [admin, locker] = await Promise.all([adminClient(d.agg.url), adminClient(d.agg.url)]);
    // Injected: a lock on the energy table holds the job in the middle of its write.
    await locker.query('begin');
    await locker.query('lock table energy_consumption_hourly in access exclusive mode');
    const worker = await d.start();
    const etl: EtlId = 'energy';
    await enqueue(d.queues, [{ machine: 'press-07', etl, day: '2024-03-25' }]);
    await waitFor('the job to block', async () => (await blockedWorkerBackends(admin, d.agg.name)) > 0);

    worker.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    expect(worker.child.exitCode).toBeNull(); // still draining
    await locker.query('rollback');
    expect(await worker.exited).toBe(0);
    const job = await d.queues.queue.getJob('press-07__energy__2024-03-25');
    expect(await job?.getState()).toBe('completed');
    expect((await ledger(d.agg))[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(worker.lines('draining')).toHaveLength(1);
  });
});
