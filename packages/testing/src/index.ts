export { createTestDatabase, type TestDatabase } from './databases.ts';
export { freePort, type PrivateRedis, type PrivateRedisOptions, startPrivateRedis } from './private-redis.ts';
export { canConnect } from './services.ts';
