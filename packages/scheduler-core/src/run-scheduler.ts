import { type AggDatabase, assertMigrated } from '@mm/db';
import { etlIds } from '@mm/etl';
import { createEtlQueues, createRedis } from '@mm/queue';
import { queueErrorLogger, type Service } from '@mm/service';
import { advisoryPlanLock } from './plan.ts';
import { startScheduler } from './scheduler.ts';
import { createSchedulerMetrics } from './scheduler-metrics.ts';
import type { SchedulerConfig } from './scheduler-process-env.ts';

/**
 * The scheduler process on a started service: wait for Redis and the migrated aggregation database,
 * keep the deployment's plan job scheduler in Redis and run its plans, serve /readyz, /livez and
 * /metrics, stop on SIGTERM / SIGINT. Resolves once it plans.
 *
 * @example
 * await runScheduler(startService({ app: 'scheduler', env: schedulerEnv }));
 */
export async function runScheduler(service: Service<SchedulerConfig>): Promise<void> {
  const { config, logger } = service;
  const agg = service.openAgg<AggDatabase>(config.aggDatabaseUrl, { max: 2 });
  // A plan reads PLAN_RAW_CONCURRENCY raw databases at once and closes every raw pool when it is done:
  // no raw connection is held between plans. The first plan connects to every raw server, which is
  // where each server's max_connections is checked against the deployment's connection formula.
  const raws = service.rawPools({
    maxConnections: config.connectionPlan.planConcurrency,
    budget: { machines: config.machines, plan: config.connectionPlan },
  });
  const producer = createRedis(config.redisUrl, 'producer', { connectionName: service.applicationName });
  const connection = createRedis(config.redisUrl, 'worker', {
    connectionName: `${service.applicationName}-plan`,
  });
  service.watchRedis(producer);
  service.watchRedis(connection, 'redis_plan');
  service.onClose(() => Promise.allSettled([producer.quit(), connection.quit()]));
  const metrics = createSchedulerMetrics({ processMetrics: true });
  service.serveOps(config.schedulerPort, { registry: metrics.registry });

  await service.waitForRedis(producer);
  // A plan reads the ledger's columns of the latest migration.
  await service.waitFor('the migrated aggregation database', () => assertMigrated(agg.db));

  const onError = queueErrorLogger({ logger, redis: producer, outage: service.redisOutage });
  const queues = createEtlQueues({
    connection: producer,
    prefix: config.prefix,
    policy: config.jobPolicy,
    onError,
  });
  const scheduler = await startScheduler({
    aggDb: agg.db,
    rawDb: (machine) => raws.rawDb(machine),
    releaseRaw: () => raws.destroyAll(),
    machines: config.machines,
    etls: etlIds,
    queues,
    ...(config.lateDataLookbackDays !== undefined
      ? { lateDataLookbackDays: config.lateDataLookbackDays }
      : {}),
    refreshMs: config.partialRefreshSeconds * 1000,
    rawConcurrency: config.connectionPlan.planConcurrency,
    exclusive: advisoryPlanLock(agg.db, config.prefix),
    producer,
    connection,
    everySeconds: config.planEverySeconds,
    logger,
    metrics,
    onError,
  });
  service.readyWhen(() => (service.stopping || scheduler.running() ? null : 'scheduler: not planning'));
  service.onDrain(async () => {
    await scheduler.close();
    await queues.close();
  });
  service.markStarted({
    port: config.schedulerPort,
    prefix: config.prefix,
    everySeconds: config.planEverySeconds,
    machines: config.machines.length,
  });
}
