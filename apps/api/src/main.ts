import { type ServerType, serve } from '@hono/node-server';
import { createLogger, loadConfigOrExit, redactUrl } from '@mm/config';
import { type AggDatabase, migrationState, NOT_MIGRATED_MESSAGE, openDb } from '@mm/db';
import packageJson from '../package.json' with { type: 'json' };
import { createApp } from './app.ts';
import { rawDbCache } from './db/raw-db-cache.ts';
import type { PoolUsage } from './deps.ts';
import { redisPinger } from './health/redis-ping.ts';

// The API process: read the environment, open the pools, serve, and close everything on SIGTERM or
// SIGINT after in-flight requests finish. Migrations are a deploy step (`pnpm db:migrate`), not ours.

// Bad configuration: one message listing every problem, exit 78 (EX_CONFIG), no stack trace.
const config = loadConfigOrExit(process.env, { app: 'api' });

const logger = createLogger({ app: 'api', level: config.logLevel });
const pools: Record<string, PoolUsage> = {};
const agg = openDb<AggDatabase>(config.aggDatabaseUrl, { applicationName: 'machine-monitoring-api' });
if (agg.pool) pools.agg = agg.pool;
const raw = rawDbCache({ pools });
// Redis is checked by /api/status only when the API is configured with it (REDIS_URL set for it).
const redis = config.redisUrl ? redisPinger(config.redisUrl) : null;

const app = createApp({
  config,
  aggDb: agg.db,
  rawDbFor: raw.rawDbFor,
  logger,
  pools,
  redis,
  version: packageJson.version,
  processMetrics: true,
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
  await Promise.allSettled([agg.db.destroy(), raw.destroyAll()]);
  logger.info('stopped');
  logger.flush();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
