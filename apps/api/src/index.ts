export { createApp } from './app.ts';
export type { AppEnv } from './app-env.ts';
export type { AppDeps, Pingable, PoolUsage } from './deps.ts';
export { type ApiConfig, apiEnv } from './env.ts';
export { type ApiQueues, type OpenApiQueuesOptions, openApiQueues } from './queues/api-queues.ts';
