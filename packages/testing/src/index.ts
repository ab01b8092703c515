export { createTestDatabase, type TestDatabase } from './databases.ts';
export { gatedRawDb, holdAdvisoryLock } from './db-faults.ts';
export { collectJsonLines } from './json-lines.ts';
export {
  POSTGRES_BIN,
  type PrivatePostgres,
  type PrivatePostgresOptions,
  startPrivatePostgres,
} from './private-postgres.ts';
export { freePort, type PrivateRedis, type PrivateRedisOptions, startPrivateRedis } from './private-redis.ts';
export { canConnect } from './services.ts';
export { type SlowPath, TcpProxy } from './tcp-proxy.ts';
