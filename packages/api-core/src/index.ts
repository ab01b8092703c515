export { type ApiConfig, apiServerEnv } from './api-server-env.ts';
export { createApp } from './app.ts';
export type { AppEnv } from './app-env.ts';
export type { AppDeps, Pingable, PoolUsage } from './deps.ts';
export { type ApiQueues, type OpenApiQueuesOptions, openApiQueues } from './queues/api-queues.ts';
export { runApi } from './run-api.ts';
