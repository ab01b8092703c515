import { createLogger, EX_CONFIG, loadQueueAppConfigOrExit } from '@mm/config';
import { type AggDatabase, openDb, RawPools } from '@mm/db';
import { etlIds } from '@mm/etl';
import {
  assertNoEviction,
  createEtlQueues,
  createRedis,
  RedisEvictionPolicyError,
  redisReady,
} from '@mm/queue';
import { advisoryPlanLock } from './plan.ts';
import { startScheduler } from './scheduler.ts';

// The scheduler process: read the environment, open the pools and Redis, keep the deployment's plan
// job scheduler in Redis and run its plans, stop on SIGTERM / SIGINT. The only place that reads the
// environment.

const { config, queue } = loadQueueAppConfigOrExit(process.env, { app: 'scheduler' });
const logger = createLogger({ app: 'scheduler', level: config.logLevel });

const agg = openDb<AggDatabase>(config.aggDatabaseUrl, {
  applicationName: 'mm-scheduler',
  max: 2,
  onConnectionError: (err) => logger.warn({ error: err.message }, 'aggregation database connection error'),
});
// The lead wires the migration check of the aggregation database here, once @mm/db has one.
const raws = new RawPools({
  applicationName: 'mm-scheduler',
  max: 1,
  onConnectionError: (err, machine) =>
    logger.warn({ machine, error: err.message }, 'raw database connection error'),
});
const producer = createRedis(config.redisUrl, 'producer', { connectionName: 'mm-scheduler' });
const connection = createRedis(config.redisUrl, 'worker', { connectionName: 'mm-scheduler-plan' });
for (const redis of [producer, connection]) {
  redis.on('error', (err) => logger.warn({ error: err.message }, 'redis connection error'));
}
try {
  await redisReady(producer, 30_000);
  await assertNoEviction(producer, () =>
    logger.warn('cannot read Redis maxmemory-policy (CONFIG and INFO refused): make sure it is noeviction'),
  );
} catch (error) {
  process.stderr.write(`scheduler: refusing to start. ${(error as Error).message}\n`);
  process.exit(error instanceof RedisEvictionPolicyError ? EX_CONFIG : 1);
}

const queues = createEtlQueues({
  connection: producer,
  prefix: queue.prefix,
  policy: {
    attempts: queue.jobAttempts,
    backoffDelayMs: queue.jobBackoffMs,
    keepCompletedSeconds: queue.keepCompletedSeconds,
    keepFailedSeconds: queue.keepFailedSeconds,
  },
  onError: (err, name) => logger.warn({ queue: name, error: err.message }, 'queue error'),
});
const scheduler = await startScheduler({
  aggDb: agg.db,
  rawDb: (machine) => raws.rawDb(machine),
  machines: config.machines,
  etls: etlIds,
  queues,
  failedCooldownMs: queue.failedCooldownSeconds * 1000,
  lateDataLookbackDays: queue.lateDataLookbackDays,
  maxBacklog: queue.planMaxBacklog,
  exclusive: advisoryPlanLock(agg.db, queue.prefix),
  producer,
  connection,
  everySeconds: queue.planEverySeconds,
  logger,
});
logger.info(
  { prefix: queue.prefix, everySeconds: queue.planEverySeconds, machines: config.machines.length },
  'scheduler started',
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  await scheduler.close();
  await queues.close();
  await Promise.allSettled([agg.db.destroy(), raws.destroyAll(), producer.quit(), connection.quit()]);
  logger.info('stopped');
  logger.flush();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
