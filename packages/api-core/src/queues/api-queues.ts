import { setTimeout as delay } from 'node:timers/promises';
import { describeRedisError, type Logger } from '@mm/config';
import { createEtlQueues, createRedis, type EtlQueues, redisReady, type SliceJobPolicy } from '@mm/queue';
import type { Redis, RedisOptions } from 'ioredis';

/** The ETL queues as the API uses them: Bull Board, re-queueing, queue metrics. */
export interface ApiQueues {
  readonly etl: EtlQueues;
  /**
   * True while the Redis connection is up. Callers check it before a queue command, which would
   * otherwise wait for Redis (BullMQ holds commands until its first connection is ready).
   */
  ready(): boolean;
  /** Waits up to `timeoutMs` for the connection; true once it is up (tests, the demo's choice). */
  untilReady(timeoutMs: number): Promise<boolean>;
  /** Pings Redis (`/api/status`). */
  ping(): Promise<unknown>;
  close(): Promise<void>;
}

export interface OpenApiQueuesOptions {
  redisUrl: string;
  /** `QUEUE_PREFIX`. */
  prefix: string;
  /** The job options the scheduler uses too (re-queued jobs get the same); unset ones are the defaults. */
  policy: Partial<SliceJobPolicy>;
  logger: Logger;
  /** Extra TLS options for a `rediss://` URL (a private CA, say); Node's trust store otherwise. */
  tls?: RedisOptions['tls'];
}

/**
 * Opens the API's one Redis connection (a producer: its commands fail at once while Redis is away
 * instead of piling up) and the ETL queues on it. Never waits for Redis: the API serves its data
 * whether Redis answers or not. An outage is logged once when it starts and once when it ends, not
 * on every reconnection attempt or queue error.
 *
 * @example
 * const queues = openApiQueues({ redisUrl, prefix: 'mm', policy: defaultSliceJobPolicy, logger });
 * if (queues.ready()) await enqueue(queues.etl, slices, { force: true });
 */
export function openApiQueues(options: OpenApiQueuesOptions): ApiQueues {
  const logger = options.logger.child({ component: 'queues' });
  const redis: Redis = createRedis(options.redisUrl, 'producer', {
    connectionName: 'mm-api',
    ...(options.tls ? { tls: options.tls } : {}),
  });
  let down = false;
  // Why the connection is down, for /api/status's log: a refusal (wrong password…) in words.
  let reason: string | null = null;
  const outage = (error: Error) => {
    reason = describeRedisError(error);
    if (down) return;
    down = true;
    logger.warn(
      { reason, code: (error as { code?: unknown }).code },
      'Redis is unreachable: Bull Board, re-queueing and queue metrics are unavailable until it answers',
    );
  };
  redis.on('error', outage);
  redis.on('ready', () => {
    if (down) logger.info('Redis answers again');
    down = false;
    reason = null;
  });
  const etl = createEtlQueues({
    connection: redis,
    prefix: options.prefix,
    policy: options.policy,
    // While Redis is away every queue repeats the connection's error: that is the one outage above.
    onError: (error, queue) => {
      if (redis.status !== 'ready') outage(error);
      else logger.error({ err: error, queue }, 'queue error');
    },
  });
  return {
    etl,
    ready: () => redis.status === 'ready',
    untilReady: (timeoutMs) =>
      redisReady(redis, timeoutMs).then(
        () => true,
        () => false,
      ),
    ping: () =>
      redis.status === 'ready' || !reason
        ? redis.ping().catch((error: Error) => {
            throw new Error(describeRedisError(error));
          })
        : Promise.reject(new Error(reason)),
    async close() {
      // A queue that never reached Redis waits for it on close: give up on it after a moment.
      const gaveUp = new AbortController();
      await Promise.race([
        etl.close().catch(() => {}),
        delay(2000, undefined, { signal: gaveUp.signal, ref: false }).catch(() => {}),
      ]);
      gaveUp.abort();
      redis.disconnect();
    },
  };
}
