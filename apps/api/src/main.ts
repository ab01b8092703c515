import { type ServerType, serve } from '@hono/node-server';
import { createLogger, loadConfigOrExit, redactUrl } from '@mm/config';
import {
  type AggDatabase,
  API_RAW_CONNECTIONS,
  migrationState,
  NOT_MIGRATED_MESSAGE,
  openDb,
  parseDbUrl,
  RawPools,
} from '@mm/db';
import packageJson from '../package.json' with { type: 'json' };
import { AnswerCache } from './answer-cache/answer-cache.ts';
import { SliceChangeListener } from './answer-cache/slice-change-listener.ts';
import { createApp } from './app.ts';
import type { PoolUsage } from './deps.ts';
import { openApiQueues } from './queues/api-queues.ts';

// The API process: read the environment, open the pools, serve, and close everything on SIGTERM or
// SIGINT after in-flight requests finish. Migrations are a deploy step (`pnpm db:migrate`), not ours.

// Bad configuration: one message listing every problem, exit 78 (EX_CONFIG), no stack trace.
// The queue settings too: re-queued jobs get the same attempts and retention as the scheduler's.
const config = loadConfigOrExit(process.env, { app: 'api' });

const logger = createLogger({ app: 'api', level: config.logLevel });
const pools: Record<string, PoolUsage> = {};
const agg = openDb<AggDatabase>(config.aggDatabaseUrl, {
  applicationName: 'machine-monitoring-api',
  onConnectionError: (err) => logger.warn({ err }, 'aggregation database connection error'),
});
if (agg.pool) pools.agg = agg.pool;
// A fixed number of raw connections over all raw databases (requests beyond wait their turn), so the
// API's share of a raw server does not grow with the machines: part of the connection formula.
const raw = new RawPools({
  applicationName: 'machine-monitoring-api',
  maxConnections: API_RAW_CONNECTIONS,
  onConnectionError: (err, database) => logger.warn({ err, database }, 'raw database connection error'),
  onOpen: (database, pool) => {
    if (pool) pools[`raw:${database}`] = pool;
  },
});
// The API uses Redis (Bull Board, re-queueing, queue metrics, the Redis check of /api/status) only
// when REDIS_URL is set for it: an API serving an aggregation database needs no Redis.
const queues = config.redisUrl
  ? openApiQueues({
      redisUrl: config.redisUrl,
      prefix: config.prefix,
      policy: config.jobPolicy,
      logger,
    })
  : null;
if (!queues) logger.info('REDIS_URL is not set: Bull Board, re-queueing and queue metrics are off');

// Answers kept in memory are trusted only while a connection of their own LISTENs to slice changes,
// which needs PostgreSQL: on PGlite every answer is read from the database.
const onPostgres = parseDbUrl(config.aggDatabaseUrl).kind === 'postgres';
const answerCache =
  onPostgres && config.answerCacheBytes > 0 ? new AnswerCache({ maxBytes: config.answerCacheBytes }) : null;
const listener = answerCache
  ? new SliceChangeListener({ url: config.aggDatabaseUrl, cache: answerCache, logger })
  : null;
listener?.start();
if (!answerCache)
  logger.info(
    onPostgres ? 'answer cache off (API_CACHE_MB=0)' : 'answer cache off: it needs PostgreSQL, not PGlite',
  );

const app = createApp({
  config,
  aggDb: agg.db,
  rawDbFor: (machine) => raw.rawDb(machine),
  logger,
  pools,
  redis: queues,
  queues,
  version: packageJson.version,
  processMetrics: true,
  answerCache,
});

// Served either way (the database may be migrated in a minute); the data endpoints answer 503 until then.
migrationState(agg.db).then(
  (state) => {
    if (!state.migrated) logger.warn({ pending: state.pending }, NOT_MIGRATED_MESSAGE);
  },
  (error: Error) =>
    logger.warn(
      { database: redactUrl(config.aggDatabaseUrl), reason: error.message },
      'aggregation database unreachable at start',
    ),
);

const server: ServerType = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  logger.info(
    { address: info.address, port: info.port, machines: config.machines.map((m) => m.id) },
    'listening',
  );
});
server.on('error', (error) => {
  logger.fatal({ err: error }, 'cannot serve');
  process.exit(1);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  // Stop accepting; idle keep-alive sockets close now, busy ones after their response.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  if ('closeIdleConnections' in server) server.closeIdleConnections();
  const force = setTimeout(() => {
    logger.warn('in-flight requests still running after 10 s: closing their connections');
    if ('closeAllConnections' in server) server.closeAllConnections();
  }, 10_000);
  force.unref();
  await closed;
  clearTimeout(force);
  await Promise.allSettled([agg.db.destroy(), raw.destroyAll(), queues?.close(), listener?.close()]);
  logger.info('stopped');
  logger.flush();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
