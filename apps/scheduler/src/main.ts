import { createLogger, describeRedisError, EX_CONFIG, loadConfigOrExit } from '@mm/config';
import { type AggDatabase, assertMigrated, NotMigratedError, openDb, RawPools } from '@mm/db';
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

const config = loadConfigOrExit(process.env, { app: 'scheduler' });
const logger = createLogger({ app: 'scheduler', level: config.logLevel });

const agg = openDb<AggDatabase>(config.aggDatabaseUrl, {
  applicationName: 'mm-scheduler',
  max: 2,
  onConnectionError: (err) => logger.warn({ error: err.message }, 'aggregation database connection error'),
});
const raws = new RawPools({
  applicationName: 'mm-scheduler',
  max: 1,
  onConnectionError: (err, machine) =>
    logger.warn({ machine, error: err.message }, 'raw database connection error'),
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
const scheduler = await startScheduler({
  aggDb: agg.db,
  rawDb: (machine) => raws.rawDb(machine),
  machines: config.machines,
  etls: etlIds,
  queues,
  failedCooldownMs: config.failedCooldownSeconds * 1000,
  lateDataLookbackDays: config.lateDataLookbackDays,
  maxBacklog: config.planMaxBacklog,
  exclusive: advisoryPlanLock(agg.db, config.prefix),
  producer,
  connection,
  everySeconds: config.planEverySeconds,
  logger,
});
logger.info(
  { prefix: config.prefix, everySeconds: config.planEverySeconds, machines: config.machines.length },
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
