import { type PrivateRedis, startPrivateRedis } from '@mm/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assertNoEviction, RedisEvictionPolicyError, readEvictionPolicy } from './eviction-policy.ts';
import { createRedis, redisReady } from './redis-connection.ts';

// A private redis-server: the shared one must never be reconfigured (CONFIG SET) by a test.
let server: PrivateRedis;
let port: number;

beforeAll(async () => {
  server = await startPrivateRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
  port = server.port;
});

afterAll(() => server.stop());

describe('eviction policy', () => {
  it('accepts the shared test Redis (noeviction)', async () => {
    const redis = createRedis(inject('redisUrl'), 'producer');
    await redisReady(redis);
    try {
      await assertNoEviction(redis);
    } finally {
      await redis.quit();
    }
  });

  it('refuses a Redis that evicts keys, saying what to change', async () => {
    const redis = new Redis(port, '127.0.0.1');
    try {
      await expect(assertNoEviction(redis)).rejects.toThrow(RedisEvictionPolicyError);
      await expect(assertNoEviction(redis)).rejects.toThrow(
        /'allkeys-lru', but the queues need 'noeviction'/,
      );
    } finally {
      await redis.quit();
    }
  });

  it('reads the policy from INFO where CONFIG is forbidden, and calls onUnknown when nothing tells', async () => {
    const admin = new Redis(port, '127.0.0.1');
    await admin.call('ACL', 'SETUSER', 'noconfig', 'on', '>secret-pass', '~*', '+@all', '-config');
    await admin.call('ACL', 'SETUSER', 'blind', 'on', '>secret-pass', '~*', '+@all', '-config', '-info');
    const noConfig = new Redis({ port, host: '127.0.0.1', username: 'noconfig', password: 'secret-pass' });
    const blind = new Redis({ port, host: '127.0.0.1', username: 'blind', password: 'secret-pass' });
    try {
      expect(await readEvictionPolicy(noConfig)).toBe('allkeys-lru');
      let unknown = 0;
      await assertNoEviction(blind, () => unknown++);
      expect(unknown).toBe(1);
    } finally {
      await Promise.all([noConfig.quit(), blind.quit(), admin.quit()]);
    }
  });
});
