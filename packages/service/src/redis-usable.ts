import type { Logger } from '@mm/config';
import { assertNoEviction, redisReady } from '@mm/queue';
import type { Redis } from 'ioredis';

/** How long one attempt waits for Redis to answer. */
export const redisAnswerTimeoutMs = 5_000;

/**
 * Resolves once Redis answers and keeps BullMQ's keys (`noeviction`): throws when it does not answer
 * within `timeoutMs`, or `RedisEvictionPolicyError` when it may evict them. A Redis that refuses to
 * say its policy (CONFIG and INFO disabled) is used, with a warning. Every process that runs queues
 * checks Redis this way before its first job.
 *
 * @example
 * await redisUsable(redis, { logger });
 */
export async function redisUsable(
  redis: Redis,
  options: { logger: Logger; timeoutMs?: number },
): Promise<void> {
  await redisReady(redis, options.timeoutMs ?? redisAnswerTimeoutMs);
  await assertNoEviction(redis, () =>
    options.logger.warn(
      'cannot read Redis maxmemory-policy (CONFIG and INFO refused): make sure it is noeviction',
    ),
  );
}
