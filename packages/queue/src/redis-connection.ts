import { Redis, type RedisOptions } from 'ioredis';

/**
 * Who uses a connection. A `worker` connection (BullMQ Worker, QueueEvents) must wait out Redis
 * outages (`maxRetriesPerRequest: null`, else BullMQ refuses it); a `producer` connection (adding
 * jobs, reading counts from the API or a CLI) fails fast while Redis is away instead of queueing
 * commands in memory.
 */
export type RedisRole = 'worker' | 'producer';

/**
 * Opens an ioredis connection for BullMQ. `rediss://` URLs connect over TLS (ioredis turns it on for
 * that scheme); the URL may carry a username, password and database number. The caller closes it
 * (`quit()`); BullMQ does not close connections it was given.
 *
 * @example
 * const connection = createRedis(config.redisUrl, 'worker', { connectionName: 'mm-worker' });
 */
export function createRedis(
  url: string,
  role: RedisRole,
  options: { connectionName?: string } & Pick<RedisOptions, 'lazyConnect' | 'tls'> = {},
): Redis {
  const common: RedisOptions = {
    connectionName: options.connectionName,
    lazyConnect: options.lazyConnect ?? false,
    // Reconnect forever, backing off to 5 s: a Redis restart must not kill a worker.
    retryStrategy: (times) => Math.min(times * 200, 5_000),
    // TCP keepalive after 10 s of silence, so a connection to a vanished Redis host is found dead and
    // replaced (ioredis reconnects) instead of waited on. No commandTimeout on worker connections:
    // BullMQ's blocking reads legitimately wait longer than any such timeout.
    keepAlive: 10_000,
    // Extra TLS options (a private CA, say) for a `rediss://` URL, which turns TLS on by itself.
    ...(options.tls ? { tls: options.tls } : {}),
  };
  const redis =
    role === 'worker'
      ? new Redis(url, { ...common, maxRetriesPerRequest: null, connectTimeout: 10_000 })
      : new Redis(url, {
          ...common,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 5_000,
        });
  return redis;
}

/**
 * Resolves once the connection is ready, or rejects after `timeoutMs` (a producer's commands fail
 * until it is ready).
 *
 * @example
 * await redisReady(redis, 5_000);
 */
export async function redisReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'wait') void redis.connect().catch(() => {});
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('Redis connection closed before it was ready'));
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
    };
    redis.on('ready', onReady);
    redis.on('end', onEnd);
  });
}
