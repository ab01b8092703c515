import { createLogger, describeRedisError, EX_CONFIG, loadConfigOrExit } from '@mm/config';
import {
  type AggDatabase,
  API_RAW_CONNECTIONS,
  assertMigrated,
  connectionBudgetProblem,
  NotMigratedError,
  openDb,
  RawPools,
  rawConnectionBudget,
} from '@mm/db';
import { etlIds } from '@mm/etl';
import {
  assertNoEviction,
  createEtlQueues,
  createOpsServer,
  createRedis,
  RedisEvictionPolicyError,
  redisReady,
} from '@mm/queue';
import { advisoryPlanLock } from './plan.ts';
import { startScheduler } from './scheduler.ts';
import { createSchedulerMetrics } from './scheduler-metrics.ts';

// The scheduler process: read the environment, open the pools and Redis, keep the deployment's plan
// job scheduler in Redis and run its plans, serve /healthz and /metrics, stop on SIGTERM / SIGINT.
// The only place that reads the environment.

const config = loadConfigOrExit(process.env, { app: 'scheduler' });
const logger = createLogger({ app: 'scheduler', level: config.logLevel });

let stopping = false;
const agg = openDb<AggDatabase>(config.aggDatabaseUrl, {
  applicationName: 'mm-scheduler',
  max: 2,
  onConnectionError: (err) => logger.warn({ error: err.message }, 'aggregation database connection error'),
});
// A plan reads PLAN_RAW_CONCURRENCY raw databases at once and closes every raw pool when it is done:
// no raw connection is held between plans. The first plan connects to every raw server, which is
// where each server's max_connections is checked against the deployment's connection formula.
const budget = rawConnectionBudget({
  machines: config.machines,
  ...config.connectionPlan,
  apiConnections: API_RAW_CONNECTIONS,
});
const raws = new RawPools({
  applicationName: 'mm-scheduler',
  maxConnections: config.planRawConcurrency,
  onConnectionError: (err, database) =>
    logger.warn({ database, error: err.message }, 'raw database connection error'),
  onServer: (server, limits) => {
    const share = budget.find((b) => b.server === server);
    const problem = share && connectionBudgetProblem(share, limits);
    if (problem) logger.warn({ server, ...limits, budget: share }, problem);
  },
});
const producer = createRedis(config.redisUrl, 'producer', { connectionName: 'mm-scheduler' });
const connection = createRedis(config.redisUrl, 'worker', { connectionName: 'mm-scheduler-plan' });
for (const redis of [producer, connection]) {
  redis.on('error', (err) => logger.warn({ error: describeRedisError(err) }, 'redis connection error'));
}
try {
  await redisReady(producer, 30_000);
  await assertNoEviction(producer, () =>
    logger.warn('cannot read Redis maxmemory-policy (CONFIG and INFO refused): make sure it is noeviction'),
  );
  // A plan reads the ledger's columns of the latest migration.
  await assertMigrated(agg.db);
} catch (error) {
  const message =
    error instanceof RedisEvictionPolicyError || error instanceof NotMigratedError
      ? error.message
      : describeRedisError(error as Error);
  process.stderr.write(`scheduler: refusing to start. ${message}\n`);
  process.exit(error instanceof RedisEvictionPolicyError ? EX_CONFIG : 1);
}

const queues = createEtlQueues({
  connection: producer,
  prefix: config.prefix,
  policy: config.jobPolicy,
  onError: (err, name) => logger.warn({ queue: name, error: err.message }, 'queue error'),
});
const metrics = createSchedulerMetrics({ processMetrics: true });
const scheduler = await startScheduler({
  aggDb: agg.db,
  rawDb: (machine) => raws.rawDb(machine),
  releaseRaw: () => raws.destroyAll(),
  machines: config.machines,
  etls: etlIds,
  queues,
  failedCooldownMs: config.failedCooldownSeconds * 1000,
  lateDataLookbackDays: config.lateDataLookbackDays,
  refreshMs: config.partialRefreshSeconds * 1000,
  rawConcurrency: config.planRawConcurrency,
  maxBacklog: config.planMaxBacklog,
  exclusive: advisoryPlanLock(agg.db, config.prefix),
  producer,
  connection,
  everySeconds: config.planEverySeconds,
  logger,
  metrics,
});

const server = createOpsServer({
  registry: metrics.registry,
  health: () => {
    const ok = !stopping && scheduler.running() && producer.status === 'ready';
    return { ok, detail: { stopping, redis: producer.status } };
  },
});
server.on('error', (error) => {
  logger.fatal({ error: error.message }, 'cannot serve /healthz and /metrics');
  process.exit(1);
});
server.listen(config.schedulerPort, () =>
  logger.info(
    {
      port: config.schedulerPort,
      prefix: config.prefix,
      everySeconds: config.planEverySeconds,
      machines: config.machines.length,
      rawServers: budget.map(({ server, databases, total }) => ({
        server,
        databases,
        maxConnections: total,
      })),
    },
    'scheduler started',
  ),
);

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  server.close();
  await scheduler.close();
  await queues.close();
  await Promise.allSettled([agg.db.destroy(), raws.destroyAll(), producer.quit(), connection.quit()]);
  logger.info('stopped');
  logger.flush();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
