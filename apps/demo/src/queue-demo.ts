import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { type ApiQueues, openApiQueues } from '@mm/api-core';
import { type Logger, type Machine, redactUrl } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { describeError, etlIds } from '@mm/etl';
import {
  createEtlQueues,
  createRedis,
  type EtlQueues,
  planQueueName,
  redisReady,
  type SliceJobPolicy,
} from '@mm/queue';
import { inProcessPlanLock, type PlanResult, type Scheduler, startScheduler } from '@mm/scheduler-core';
import { outageLog, queueErrorLogger, redisUsable } from '@mm/service';
import { createWorkerMetrics, type EtlWorkers, inProcessSlots, startQueueWorker } from '@mm/worker-core';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { seconds } from './backfill-demo.ts';

/**
 * The demo's queue prefix: its own (never `QUEUE_PREFIX`, so a developer's demo cannot touch a
 * deployment's queues on the same Redis), and one per data directory, so two demos on one Redis do
 * not run each other's jobs.
 *
 * @example
 * demoQueuePrefix('./.data/demo'); // 'mm-demo-3f2a9c1b'
 */
export function demoQueuePrefix(dataDir: string): string {
  return `mm-demo-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 8)}`;
}

/**
 * What the demo does differently from a deployment, and why; everything else (the worker's retry
 * delays and stalled interval, the plan's late-data look-back and backlog, the Redis check) is the
 * cores' defaults, as in the worker and scheduler processes. One attempt, so a failed slice is
 * reported at once; the scheduler plans it again after a minute, and re-runs today's partial day each
 * minute, so a visitor sees both happen.
 */
const demoPolicy: Partial<SliceJobPolicy> = { attempts: 1 };
const demoFailedCooldownMs = 60_000;
const demoRefreshMs = 60_000;
const demoPlanEverySeconds = 60;
// PGlite serves one connection per database: one job and one raw database at a time.
const pgliteConcurrency = 1;
// A visitor without Redis should not wait for it: the demo then aggregates in process.
const demoRedisTimeoutMs = 1500;

/** The queue layer running inside the demo's process. */
export interface DemoQueues {
  prefix: string;
  /** The queues as the API uses them (Bull Board, re-queueing, queue metrics). */
  api: ApiQueues;
  /** Stops the scheduler, lets the running job finish (at most `deadlineMs`), closes the connections. */
  close(deadlineMs?: number): Promise<void>;
}

export interface StartDemoQueuesInput {
  redisUrl: string;
  dataDir: string;
  aggDb: Kysely<AggDatabase>;
  machines: readonly Machine[];
  rawDb: (machine: Machine) => Kysely<RawDatabase>;
  logger: Logger;
  /** A fresh seed: the demo's queues are emptied first (jobs of an earlier seed would be ignored ids). */
  fresh: boolean;
  report: (line: string) => void;
  /** How long to wait for Redis before running without it. */
  connectTimeoutMs?: number;
  /** The scheduler's tick. */
  planEverySeconds?: number;
}

/**
 * Starts the product's queue layer in this process when Redis answers: the scheduler (its first plan
 * queues every due slice) and one worker (the real processor and runner), on a prefix of the demo's
 * own. Resolves `null`, having said why, when Redis does not answer within `connectTimeoutMs` or may
 * evict keys: the caller then aggregates in process.
 *
 * PGlite serves one connection per database (queries wait for each other), so the worker runs one job
 * at a time, with in-process machine slots and plan lock instead of PostgreSQL advisory locks held on
 * connections of their own.
 *
 * @example
 * const queues = await startDemoQueues({ redisUrl, dataDir, aggDb, machines, rawDb, logger, fresh: true, report });
 * if (queues) await drainDemoQueues(...);
 */
export async function startDemoQueues(input: StartDemoQueuesInput): Promise<{
  queues: DemoQueues;
  firstPlan: Promise<PlanResult>;
  etl: EtlQueues;
} | null> {
  const where = redactUrl(input.redisUrl);
  const producer = createRedis(input.redisUrl, 'producer', { connectionName: 'mm-demo', lazyConnect: true });
  const connection = createRedis(input.redisUrl, 'worker', {
    connectionName: 'mm-demo-worker',
    lazyConnect: true,
  });
  // Until the queue layer is up, connection errors only mean "no Redis": the caller says so once.
  const quiet = () => {};
  producer.on('error', quiet);
  connection.on('error', quiet);
  const giveUp = (reason: string) => {
    producer.disconnect();
    connection.disconnect();
    input.report(`Redis ${reason} at ${where}: aggregating in this process, without queues.`);
    return null;
  };
  const timeoutMs = input.connectTimeoutMs ?? demoRedisTimeoutMs;
  // A refused connection means nothing listens there: no reason to wait out the timeout, which is
  // for a Redis that is slow to answer (a remote host, one still starting).
  let onRefused: (error: NodeJS.ErrnoException) => void = () => {};
  const refused = new Promise<never>((_, reject) => {
    onRefused = (error) => {
      if (error.code === 'ECONNREFUSED') reject(error);
    };
  });
  producer.on('error', onRefused);
  connection.on('error', onRefused);
  try {
    await Promise.race([
      Promise.all([redisReady(producer, timeoutMs), redisReady(connection, timeoutMs)]),
      refused,
    ]);
  } catch {
    return giveUp('does not answer');
  } finally {
    producer.off('error', onRefused);
    connection.off('error', onRefused);
  }
  try {
    await redisUsable(producer, { logger: input.logger, timeoutMs });
  } catch (error) {
    return giveUp(`is not usable (${describeError(error)})`);
  }
  // The product's outage log and sorting of queue errors (@mm/service), as in a deployment.
  const outage = outageLog('Redis', { logger: input.logger });
  const onError = queueErrorLogger({ logger: input.logger, redis: producer, outage });
  producer.off('error', quiet);
  connection.off('error', quiet);
  for (const redis of [producer, connection]) {
    redis.on('error', (error) => outage.error(error));
    redis.on('ready', () => outage.recovered());
  }

  const prefix = demoQueuePrefix(input.dataDir);
  const etl = createEtlQueues({
    connection: producer,
    prefix,
    policy: demoPolicy,
    onError,
  });
  if (input.fresh) await emptyQueues(producer, prefix, etl);

  const machines = new Map(input.machines.map((m) => [m.id, m]));
  const workers: EtlWorkers = startQueueWorker({
    connection,
    prefix,
    concurrency: pgliteConcurrency,
    aggDb: input.aggDb,
    rawDb: (machine) => input.rawDb(machine),
    machines,
    slots: inProcessSlots(pgliteConcurrency),
    metrics: createWorkerMetrics(),
    logger: input.logger,
    onError,
  });
  let resolveFirst: (result: PlanResult) => void = () => {};
  const firstPlan = new Promise<PlanResult>((r) => {
    resolveFirst = r;
  });
  let scheduler: Scheduler;
  try {
    scheduler = await startScheduler({
      aggDb: input.aggDb,
      rawDb: (machine) => input.rawDb(machine),
      machines: input.machines,
      etls: etlIds,
      queues: etl,
      failedCooldownMs: demoFailedCooldownMs,
      refreshMs: demoRefreshMs,
      rawConcurrency: pgliteConcurrency,
      exclusive: inProcessPlanLock(),
      producer,
      connection,
      everySeconds: input.planEverySeconds ?? demoPlanEverySeconds,
      logger: input.logger,
      onError,
      onPlan: (result) => {
        if (!result.skipped) resolveFirst(result);
      },
    });
  } catch (error) {
    await workers.drain(1000);
    await etl.close();
    return giveUp(`refused the scheduler (${describeError(error)})`);
  }
  const api = openApiQueues({ redisUrl: input.redisUrl, prefix, policy: demoPolicy, logger: input.logger });
  input.report(
    `${input.fresh ? 'Through' : 'Keeping the data current through'} the BullMQ queues on ${where} (prefix ${prefix}): ` +
      'the scheduler and one worker run in this process.',
  );
  let closed = false;
  return {
    etl,
    firstPlan,
    queues: {
      prefix,
      api,
      async close(deadlineMs = 10_000) {
        if (closed) return;
        closed = true;
        await scheduler.close().catch(() => {});
        await workers.drain(deadlineMs);
        await Promise.allSettled([etl.close(), api.close()]);
        outage.close();
        producer.disconnect();
        connection.disconnect();
      },
    },
  };
}

/**
 * Waits until the first plan's jobs are done (nothing waiting, delayed or active in the ETL queues),
 * with a progress line at most every `everyMs`, and sums what the run ledger recorded for them.
 *
 * @example
 * const done = await drainDemoQueues({ etl, firstPlan, aggDb, machineIds, report });
 */
export async function drainDemoQueues(input: {
  etl: EtlQueues;
  firstPlan: Promise<PlanResult>;
  aggDb: Kysely<AggDatabase>;
  machineIds: readonly string[];
  report: (line: string) => void;
  everyMs?: number;
}): Promise<{ jobs: number; failures: string[]; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const plan = await Promise.race([
    input.firstPlan,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('the scheduler did not plan within 60 s (see the log)')),
        60_000,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  const jobs = plan.enqueued.added + plan.enqueued.requeued;
  input.report(`  planned ${jobs} jobs (${plan.due} slices due)`);
  const width = String(jobs).length;
  let lastLine = 0;
  for (;;) {
    let open = 0;
    let finished = 0;
    for (const queue of input.etl.all()) {
      const counts = await queue.getJobCounts(
        'wait',
        'delayed',
        'prioritized',
        'active',
        'completed',
        'failed',
      );
      open += (counts.wait ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0) + (counts.active ?? 0);
      finished += (counts.completed ?? 0) + (counts.failed ?? 0);
    }
    const now = performance.now();
    if (open === 0 || now - lastLine >= (input.everyMs ?? 1000)) {
      lastLine = now;
      input.report(
        `  [${String(Math.min(finished, jobs)).padStart(width)}/${jobs}] jobs done  (${seconds(now - started)})`,
      );
    }
    if (open === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const failed = await input.aggDb
    .selectFrom('etl_runs')
    .select(['machine_id', 'etl', 'day', 'error'])
    .where('machine_id', 'in', [...input.machineIds])
    .where('status', '=', 'failed')
    .orderBy('machine_id')
    .orderBy('day')
    .orderBy('etl')
    .execute();
  return {
    jobs,
    failures: failed.map((f) => `${f.machine_id} ${f.etl} ${String(f.day)}: ${f.error ?? ''}`),
    ms: performance.now() - started,
  };
}

// The demo owns its prefix: jobs left by an earlier seed (completed ids BullMQ would silently keep)
// and its plan scheduler go, so the new seed is planned from scratch.
async function emptyQueues(producer: Redis, prefix: string, etl: EtlQueues): Promise<void> {
  const plan = new Queue(planQueueName, { connection: producer, prefix });
  try {
    await Promise.all([...etl.all(), plan].map((q) => q.obliterate({ force: true })));
  } finally {
    await plan.close();
  }
}
