import { createLogger, describeRedisError, EX_CONFIG, loadConfigOrExit } from '@mm/config';
import {
  type AggDatabase,
  API_RAW_CONNECTIONS,
  assertMigrated,
  connectionBudgetProblem,
  NotMigratedError,
  openDb,
  parseDbUrl,
  RawPools,
  rawConnectionBudget,
} from '@mm/db';
import {
  assertNoEviction,
  createOpsServer,
  createRedis,
  RedisEvictionPolicyError,
  redisCheck,
  redisReady,
  startReadiness,
} from '@mm/queue';
import { sql } from 'kysely';
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

// No session of a job waits longer than the slowest slice may take: a statement, a lock, or an open
// transaction whose client went silent (the slice's transaction idles while the raw side is read).
const sliceLimits = {
  statementTimeoutMs: config.sliceTimeoutMs,
  lockTimeoutMs: config.sliceTimeoutMs,
  idleInTransactionTimeoutMs: config.sliceTimeoutMs,
};
const agg = openDb<AggDatabase>(config.aggDatabaseUrl, {
  applicationName: 'mm-worker',
  max: config.workerConcurrency + 1,
  session: { ...sliceLimits, tcpUserTimeoutMs: 30_000 },
  onConnectionError: (err) => logger.warn({ error: err.message }, 'aggregation database connection error'),
});
// One raw connection per running job, all raw databases together; the budget check warns when the
// deployment's workers, scheduler and API can open more on a raw server than it allows.
const budget = rawConnectionBudget({
  machines: config.machines,
  ...config.connectionPlan,
  apiConnections: API_RAW_CONNECTIONS,
});
const raws = new RawPools({
  applicationName: 'mm-worker',
  maxConnections: config.workerConcurrency,
  maxPools: 2 * config.workerConcurrency,
  // Read-only snapshots of the plants' databases: bounded the same way.
  session: sliceLimits,
  onConnectionError: (err, database) =>
    logger.warn({ database, error: err.message }, 'raw database connection error'),
  onServer: (server, limits) => {
    const share = budget.find((b) => b.server === server);
    const problem = share && connectionBudgetProblem(share, limits);
    if (problem) logger.warn({ server, ...limits, budget: share }, problem);
  },
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

const metrics = createWorkerMetrics({ processMetrics: true, rawPools: raws });
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
  slotRetryDelayMs: 1_000,
  busyRetryDelayMs: 5_000,
});

// Readiness probes Redis and the aggregation database every second, each answer due within 2 s; the
// database is asked on a connection of its own, so jobs holding every pooled one never delay it.
const probeDb = openDb<AggDatabase>(config.aggDatabaseUrl, {
  applicationName: 'mm-worker-readiness',
  max: 1,
  session: { statementTimeoutMs: 2_000, tcpUserTimeoutMs: 30_000 },
  onConnectionError: () => {}, // the probe's failure is the report
}).db;
const readiness = startReadiness({
  checks: [redisCheck(redis), { name: 'aggregation database', probe: () => sql`select 1`.execute(probeDb) }],
  onChange: (dependency, reason) =>
    reason === null
      ? logger.info({ dependency }, 'dependency answers again')
      : logger.warn({ dependency, reason }, 'dependency does not answer: not ready'),
});

let draining = false;
const server = createOpsServer({
  registry: metrics.registry,
  health: () => {
    const ok = !draining && workers.running() && redis.status === 'ready';
    return { ok, detail: { draining, redis: redis.status, activeJobs: workers.active } };
  },
  ready: () => {
    const { reasons } = readiness.state();
    if (draining) reasons.push('worker: draining');
    else if (!workers.running()) reasons.push('worker: not taking jobs');
    return { ready: reasons.length === 0, reasons, detail: { activeJobs: workers.active } };
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
      rawServers: budget.map(({ server, databases, total }) => ({
        server,
        databases,
        maxConnections: total,
      })),
    },
    'worker started',
  ),
);

async function shutdown(signal: string): Promise<void> {
  if (draining) return;
  draining = true;
  logger.info({ signal, activeJobs: workers.active, deadlineMs: config.drainTimeoutMs }, 'draining');
  const inTime = await workers.drain(config.drainTimeoutMs);
  if (!inTime) logger.warn('drain deadline passed: unfinished jobs will run again on another worker');
  server.close();
  readiness.stop();
  await Promise.allSettled([
    probeDb.destroy(),
    agg.db.destroy(),
    raws.destroyAll(),
    slots.close(),
    redis.quit(),
  ]);
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
