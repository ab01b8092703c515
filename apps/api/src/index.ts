export { createApp } from './app.ts';
export type { AppEnv } from './app-env.ts';
export type { AppDeps, Pingable, PoolUsage } from './deps.ts';
export { redisPinger } from './health/redis-ping.ts';
