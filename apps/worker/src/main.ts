import { createLogger, describeRedisError, EX_CONFIG, loadConfigOrExit } from '@mm/config';
import { type AggDatabase, assertMigrated, NotMigratedError, openDb, parseDbUrl, RawPools } from '@mm/db';
import { assertNoEviction, createRedis, RedisEvictionPolicyError, redisReady } from '@mm/queue';
import { createWorkerHttpServer } from './http-server.ts';
import { advisoryLockSlots } from './machine-slots.ts';
import { startEtlWorkers } from './start-workers.ts';
import { createWorkerMetrics } from './worker-metrics.ts';

// The worker process: read the environment, open the pools and Redis, run the ETL queues, serve
// /healthz and /metrics, and drain on SIGTERM / SIGINT. The only place that reads the environment.

const config = loadConfigOrExit(process.env, { app: 'worker' });
const logger = createLogger({ app: 'worker', level: config.logLevel });

if (parseDbUrl(config.aggDatabaseUrl).kind !== 'postgres') {
  // Workers are separate processes sharing the aggregation database (and its machine slots).
  process.stderr.write(
    'worker: refusing to start. Invalid configuration (1 problem):\n' +
      '  - AGG_DATABASE_URL: the worker needs a postgres:// aggregation database that every worker shares\n',
  );
  process.exit(EX_CONFIG);
}

const agg = openDb<AggDatabase>(config.aggDatabaseUrl, {
  applicationName: 'mm-worker',
  max: config.workerConcurrency + 1,
  onConnectionError: (err) => logger.warn({ error: err.message }, 'aggregation database connection error'),
});
const raws = new RawPools({
  applicationName: 'mm-worker',
  max: Math.min(config.workerConcurrency, config.machineMaxJobs),
  onConnectionError: (err, machine) =>
    logger.warn({ machine, error: err.message }, 'raw database connection error'),
});
const slots = advisoryLockSlots({
  url: config.aggDatabaseUrl,
  perMachine: config.machineMaxJobs,
  connections: config.workerConcurrency,
  onConnectionError: (err) => logger.warn({ error: err.message }, 'machine-slot connection error'),
});

const redis = createRedis(config.redisUrl, 'worker', { connectionName: 'mm-worker' });
redis.on('error', (err) => logger.warn({ error: describeRedisError(err) }, 'redis connection error'));
try {
  await redisReady(redis, 30_000);
  await assertNoEviction(redis, () =>
    logger.warn('cannot read Redis maxmemory-policy (CONFIG and INFO refused): make sure it is noeviction'),
  );
  // Slices written into a database behind the code's migrations would fail one by one.
  await assertMigrated(agg.db);
} catch (error) {
  process.stderr.write(`worker: refusing to start. ${describeStartError(error as Error)}\n`);
  process.exit(error instanceof RedisEvictionPolicyError ? EX_CONFIG : 1);
}

const metrics = createWorkerMetrics({ processMetrics: true });
const machines = new Map(config.machines.map((m) => [m.id, m]));
const workers = startEtlWorkers({
  connection: redis,
  prefix: config.prefix,
  concurrency: config.workerConcurrency,
  stalledIntervalMs: config.stalledIntervalMs,
  aggDb: agg.db,
  rawDb: (machine) => raws.rawDb(machine),
  machines,
  slots,
  metrics,
  logger,
  lateDataLookbackDays: config.lateDataLookbackDays,
  slotRetryDelayMs: 1_000,
});

let draining = false;
const server = createWorkerHttpServer({
  registry: metrics.registry,
  health: () => {
    const ok = !draining && workers.running() && redis.status === 'ready';
    return { ok, detail: { draining, redis: redis.status, activeJobs: workers.gate.active } };
  },
});
server.on('error', (error) => {
  logger.fatal({ error: error.message }, 'cannot serve /healthz and /metrics');
  process.exit(1);
});
server.listen(config.workerPort, () =>
  logger.info(
    {
      port: config.workerPort,
      prefix: config.prefix,
      concurrency: config.workerConcurrency,
      machineMaxJobs: config.machineMaxJobs,
      machines: config.machines.length,
    },
    'worker started',
  ),
);

async function shutdown(signal: string): Promise<void> {
  if (draining) return;
  draining = true;
  logger.info({ signal, activeJobs: workers.gate.active, deadlineMs: config.drainTimeoutMs }, 'draining');
  const inTime = await workers.drain(config.drainTimeoutMs);
  if (!inTime) logger.warn('drain deadline passed: unfinished jobs will run again on another worker');
  server.close();
  await Promise.allSettled([agg.db.destroy(), raws.destroyAll(), slots.close(), redis.quit()]);
  logger.info('stopped');
  logger.flush();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

function describeStartError(error: Error): string {
  if (error instanceof RedisEvictionPolicyError || error instanceof NotMigratedError) return error.message;
  return describeRedisError(error);
}
