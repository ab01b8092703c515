import { type Redis, ReplyError } from 'ioredis';

/** Redis evicts keys under memory pressure: BullMQ would lose jobs and locks. */
export class RedisEvictionPolicyError extends Error {
  override name = 'RedisEvictionPolicyError';
  constructor(readonly policy: string) {
    super(
      `Redis maxmemory-policy is '${policy}', but the queues need 'noeviction': under memory pressure Redis ` +
        `would delete job and lock keys and silently lose work. Set maxmemory-policy to noeviction in the ` +
        `Redis configuration (redis.conf, CONFIG SET, or the managed service's parameter group).`,
    );
  }
}

/**
 * Reads Redis's `maxmemory-policy`: from `CONFIG GET`, or, where managed services forbid or rename
 * CONFIG, from `INFO memory`. `null` when neither tells.
 *
 * @example
 * await readEvictionPolicy(redis); // 'noeviction'
 */
export async function readEvictionPolicy(redis: Redis): Promise<string | null> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as unknown;
    if (Array.isArray(reply) && typeof reply[1] === 'string') return reply[1];
  } catch (error) {
    // NOPERM or an unknown (renamed) command: fall back to INFO below. A lost connection is no answer.
    if (!(error instanceof ReplyError)) throw error;
  }
  try {
    const info = await redis.info('memory');
    return /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? null;
  } catch (error) {
    if (!(error instanceof ReplyError)) throw error;
    return null;
  }
}

/**
 * Refuses a Redis that may evict keys (throws {@link RedisEvictionPolicyError}). When the policy cannot
 * be read at all, `onUnknown` is called (log a warning) and the check passes: refusing to start
 * against a managed Redis that hides its settings would help nobody.
 *
 * @example
 * await assertNoEviction(redis, () => logger.warn('cannot read maxmemory-policy; make sure it is noeviction'));
 */
export async function assertNoEviction(redis: Redis, onUnknown: () => void = () => {}): Promise<void> {
  const policy = await readEvictionPolicy(redis);
  if (policy === null) onUnknown();
  else if (policy !== 'noeviction') throw new RedisEvictionPolicyError(policy);
}
