import { type AggDatabase, assertMigrated, parseDbUrl } from '@mm/db';
import { assertNoEviction, createRedis, RedisEvictionPolicyError, redisReady } from '@mm/queue';
import { queueErrorLogger, startService } from '@mm/service';
import { advisoryLockSlots, createWorkerMetrics, startEtlWorkers } from '@mm/worker-core';
import { workerEnv } from './env.ts';

// The worker process: wait for Redis and the migrated aggregation database, run the ETL queue, serve
// /readyz, /livez and /metrics, drain on SIGTERM / SIGINT.
const service = startService({
  app: 'worker',
  env: workerEnv,
  // Workers are separate processes sharing the aggregation database (and its machine slots).
  check: (c) =>
    parseDbUrl(c.aggDatabaseUrl).kind === 'postgres'
      ? []
      : [
          {
            path: 'AGG_DATABASE_URL',
            message: 'the worker needs a postgres:// aggregation database that every worker shares',
          },
        ],
});
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
  session: { ...sliceLimits, tcpUserTimeoutMs: 30_000 },
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

await service
  .waitFor(
    'Redis',
    async () => {
      await redisReady(redis, 5_000);
      await assertNoEviction(redis, () =>
        logger.warn(
          'cannot read Redis maxmemory-policy (CONFIG and INFO refused): make sure it is noeviction',
        ),
      );
    },
    (error) => error instanceof RedisEvictionPolicyError,
  )
  .catch((error: Error) => service.refuse(error.message));
// Slices written into a database behind the code's migrations would fail one by one.
await service.waitFor('the migrated aggregation database', () => assertMigrated(agg.db));

const workers = startEtlWorkers({
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
  slotRetryDelayMs: 1_000,
  busyRetryDelayMs: 5_000,
  onError: queueErrorLogger({ logger, redis, outage: service.redisOutage }),
});
service.readyWhen(() => (service.stopping || workers.running() ? null : 'worker: not taking jobs'));
service.onDrain(
  async () => {
    logger.info({ activeJobs: workers.active, deadlineMs: config.drainTimeoutMs }, 'draining');
    if (!(await workers.drain(config.drainTimeoutMs)))
      logger.warn('drain deadline passed: unfinished jobs will run again on another worker');
    // After the deadline the drain aborts and force-closes, which needs Redis: a few seconds more.
  },
  { deadlineMs: config.drainTimeoutMs + 5_000 },
);
service.markStarted({
  port: config.workerPort,
  prefix: config.prefix,
  concurrency: workerConcurrency,
  machineMaxJobs,
  machines: config.machines.length,
});
