/**
 * Why Redis refused, in words, from its error reply (or an ioredis `ReplyError`'s message, which is
 * the reply): authentication problems are the common misconfiguration and Redis's own codes (NOAUTH,
 * WRONGPASS) are cryptic. Only the reply's code is kept, never anything that could be the password.
 * For every process that talks to Redis (the API's status check, a queue worker's connection log).
 *
 * @example
 * describeRedisReply('WRONGPASS invalid username-password pair or user is disabled.');
 * // 'Redis refused the password in REDIS_URL (WRONGPASS)'
 */
export function describeRedisReply(reply: string): string {
  const code = /^[A-Z]+/.exec(reply)?.[0] ?? 'ERR';
  if (code === 'NOAUTH') return 'Redis requires a password and REDIS_URL gives none (NOAUTH)';
  if (code === 'WRONGPASS') return 'Redis refused the password in REDIS_URL (WRONGPASS)';
  if (/without any password configured|no password is set/i.test(reply))
    return 'Redis has no password set but REDIS_URL gives one';
  if (code === 'NOPERM') return 'the Redis user in REDIS_URL may not run PING (NOPERM)';
  return `Redis refused the request (${code})`;
}

/**
 * A Redis connection or command error in words: an error reply (NOAUTH, WRONGPASS…) through
 * {@link describeRedisReply}, a network error (`connect ECONNREFUSED …`) as it is.
 *
 * @example
 * describeRedisError(new Error('WRONGPASS invalid username-password pair')); // 'Redis refused the password in REDIS_URL (WRONGPASS)'
 */
export function describeRedisError(error: Error): string {
  return error.name === 'ReplyError' || /^[A-Z]{4,}\b/.test(error.message)
    ? describeRedisReply(error.message)
    : error.message;
}
