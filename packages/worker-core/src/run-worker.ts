import type { ConfigProblem } from '@mm/config';
import { type AggDatabase, assertMigrated, parseDbUrl } from '@mm/db';
import { createRedis } from '@mm/queue';
import { queueErrorLogger, type Service } from '@mm/service';
import { advisoryLockSlots } from './machine-slots.ts';
import { startQueueWorker } from './queue-worker.ts';
import { createWorkerMetrics } from './worker-metrics.ts';
import type { WorkerConfig } from './worker-process-env.ts';

/** How long a job's database session waits for an unanswered TCP send before the connection is dead. */
const tcpUserTimeoutMs = 30_000;
/** The drain's deadline, plus the time its abort needs: force-closing talks to Redis too. */
const forceCloseMs = 5_000;

/**
 * The worker's problems across settings: workers are separate processes sharing the aggregation
 * database (and its machine slots), so it must be PostgreSQL (`startService`'s `check`).
 */
export function workerConfigProblems(config: Pick<WorkerConfig, 'aggDatabaseUrl'>): ConfigProblem[] {
  return parseDbUrl(config.aggDatabaseUrl).kind === 'postgres'
    ? []
    : [
        {
          path: 'AGG_DATABASE_URL',
          message: 'the worker needs a postgres:// aggregation database that every worker shares',
        },
      ];
}

/**
 * The worker process on a started service: wait for Redis and the migrated aggregation database, run
 * the ETL queue, serve /readyz, /livez and /metrics, drain on SIGTERM / SIGINT. Resolves once it takes
 * jobs.
 *
 * @example
 * await runWorker(startService({ app: 'worker', env: workerEnv, check: workerConfigProblems }));
 */
export async function runWorker(service: Service<WorkerConfig>): Promise<void> {
  const { config, logger } = service;
  const { workerConcurrency, machineMaxJobs } = config.connectionPlan;
  // No session of a job waits longer than the slowest slice may take: a statement, a lock, or an open
  // transaction whose client went silent (the slice's transaction idles while the raw side is read).
  const sliceLimits = {
    statementTimeoutMs: config.sliceTimeoutMs,
    lockTimeoutMs: config.sliceTimeoutMs,
    idleInTransactionTimeoutMs: config.sliceTimeoutMs,
  };
  const agg = service.openAgg<AggDatabase>(config.aggDatabaseUrl, {
    max: workerConcurrency + 1,
    session: { ...sliceLimits, tcpUserTimeoutMs },
  });
  // One raw connection per running job, all raw databases together; read-only snapshots of the plants'
  // databases, bounded the same way.
  const raws = service.rawPools({
    maxConnections: workerConcurrency,
    maxPools: 2 * workerConcurrency,
    session: sliceLimits,
    budget: { machines: config.machines, plan: config.connectionPlan },
  });
  const slots = advisoryLockSlots({
    url: config.aggDatabaseUrl,
    perMachine: machineMaxJobs,
    connections: workerConcurrency,
    onConnectionError: (error) =>
      logger.warn({ error: error.message, database: 'aggregation' }, 'database connection error'),
  });
  service.onClose(() => slots.close());
  const redis = createRedis(config.redisUrl, 'worker', { connectionName: service.applicationName });
  service.watchRedis(redis);
  service.onClose(() => redis.quit());
  const metrics = createWorkerMetrics({ processMetrics: true, rawPools: raws });
  service.serveOps(config.workerPort, { registry: metrics.registry });

  await service.waitForRedis(redis);
  // Slices written into a database behind the code's migrations would fail one by one.
  await service.waitFor('the migrated aggregation database', () => assertMigrated(agg.db));

  const workers = startQueueWorker({
    connection: redis,
    prefix: config.prefix,
    concurrency: workerConcurrency,
    stalledIntervalMs: config.stalledIntervalMs,
    aggDb: agg.db,
    rawDb: (machine) => raws.rawDb(machine),
    machines: new Map(config.machines.map((m) => [m.id, m])),
    slots,
    metrics,
    logger,
    onError: queueErrorLogger({ logger, redis, outage: service.redisOutage }),
  });
  service.readyWhen(() => (service.stopping || workers.running() ? null : 'worker: not taking jobs'));
  service.onDrain(
    async () => {
      logger.info({ activeJobs: workers.active, deadlineMs: config.drainTimeoutMs }, 'draining');
      if (!(await workers.drain(config.drainTimeoutMs)))
        logger.warn('drain deadline passed: unfinished jobs will run again on another worker');
    },
    { deadlineMs: config.drainTimeoutMs + forceCloseMs },
  );
  service.markStarted({
    port: config.workerPort,
    prefix: config.prefix,
    concurrency: workerConcurrency,
    machineMaxJobs,
    machines: config.machines.length,
  });
}
