import { type ServerType, serve } from '@hono/node-server';
import { redactUrl } from '@mm/config';
import {
  type AggDatabase,
  API_RAW_CONNECTIONS,
  migrationState,
  NOT_MIGRATED_MESSAGE,
  parseDbUrl,
} from '@mm/db';
import type { Service } from '@mm/service';
import { AnswerCache } from './answer-cache/answer-cache.ts';
import { SliceChangeListener } from './answer-cache/slice-change-listener.ts';
import type { ApiConfig } from './api-server-env.ts';
import { createApp } from './app.ts';
import type { PoolUsage } from './deps.ts';
import { openApiQueues } from './queues/api-queues.ts';

/** How long requests in flight may run once the API is told to stop, before their connections close. */
const inFlightGraceMs = 10_000;

/**
 * The API process on a started service: serve at once (data endpoints answer 503 while the
 * aggregation database is away or behind the migrations, which are a deploy step), and on SIGTERM /
 * SIGINT stop accepting, finish the requests in flight and close everything.
 *
 * @example
 * runApi(startService({ app: 'api', env: apiEnv }), { version: '1.2.0' });
 */
export function runApi(service: Service<ApiConfig>, options: { version: string }): void {
  const { config, logger } = service;
  const pools: Record<string, PoolUsage> = {};
  const agg = service.openAgg<AggDatabase>(config.aggDatabaseUrl);
  if (agg.pool) pools.agg = agg.pool;
  // A fixed number of raw connections over all raw databases (requests beyond wait their turn), so the
  // API's share of a raw server does not grow with the machines: part of the connection formula.
  const raw = service.rawPools({
    maxConnections: API_RAW_CONNECTIONS,
    onOpen: (database, pool) => {
      if (pool) pools[`raw:${database}`] = pool;
    },
  });
  // Redis (Bull Board, re-queueing, queue metrics, the Redis checks) only when REDIS_URL is set for
  // the API: an API serving an aggregation database needs no Redis. It logs its own outages.
  const queues = config.redisUrl
    ? openApiQueues({ redisUrl: config.redisUrl, prefix: config.prefix, policy: config.jobPolicy, logger })
    : null;
  if (queues) service.onClose(() => queues.close());
  else logger.info('REDIS_URL is not set: Bull Board, re-queueing and queue metrics are off');

  // Answers kept in memory are trusted only while a connection of their own LISTENs to slice changes,
  // which needs PostgreSQL: on PGlite every answer is read from the database.
  const onPostgres = parseDbUrl(config.aggDatabaseUrl).kind === 'postgres';
  const answerCache =
    onPostgres && config.answerCacheBytes > 0 ? new AnswerCache({ maxBytes: config.answerCacheBytes }) : null;
  const listener = answerCache
    ? new SliceChangeListener({ url: config.aggDatabaseUrl, cache: answerCache, logger })
    : null;
  listener?.start();
  if (listener) service.onClose(() => listener.close());
  else
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
    version: options.version,
    processMetrics: true,
    answerCache,
    stopping: () => service.stopping,
  });

  migrationState(agg.db).then(
    (state) => {
      if (!state.migrated) logger.warn({ pending: state.pending }, NOT_MIGRATED_MESSAGE);
    },
    (error: Error) =>
      logger.warn(
        { database: redactUrl(config.aggDatabaseUrl), error: error.message },
        'aggregation database unreachable at start',
      ),
  );

  const server: ServerType = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) =>
    service.markStarted(
      { address: info.address, port: info.port, machines: config.machines.map((m) => m.id) },
      'listening',
    ),
  );
  server.on('error', (error) => service.fail('cannot serve', error));
  // Stop accepting; idle keep-alive sockets close now, busy ones after their response (the grace at most).
  service.onDrain(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    const force = setTimeout(() => {
      logger.warn(
        `in-flight requests still running after ${inFlightGraceMs / 1000} s: closing their connections`,
      );
      if ('closeAllConnections' in server) server.closeAllConnections();
    }, inFlightGraceMs);
    force.unref();
    await closed;
    clearTimeout(force);
  });
}
