import { describe, expect, it } from 'vitest';
import { describeRedisReply } from './redis-reply.ts';

describe('describeRedisReply', () => {
  it('says in words why Redis refused, from its reply or an ioredis error message', () => {
    expect(describeRedisReply('WRONGPASS invalid username-password pair or user is disabled.')).toBe(
      'Redis refused the password in REDIS_URL (WRONGPASS)',
    );
    expect(describeRedisReply('NOAUTH Authentication required.')).toBe(
      'Redis requires a password and REDIS_URL gives none (NOAUTH)',
    );
    expect(
      describeRedisReply(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      ),
    ).toBe('Redis has no password set but REDIS_URL gives one');
    expect(describeRedisReply('NOPERM this user has no permissions to run the ping command')).toBe(
      'the Redis user in REDIS_URL may not run PING (NOPERM)',
    );
    expect(describeRedisReply('LOADING Redis is loading the dataset in memory')).toBe(
      'Redis refused the request (LOADING)',
    );
  });
});
