import { queueEnv } from './env.ts';
import { type Loaded, loadEnvConfig } from './load-config.ts';

type EnvSource = Record<string, string | undefined>;

/** Every setting of the queue layer, named for the code that uses them. */
export type QueueConfig = Loaded<ReturnType<typeof queueEnv.toConfig>>;

/**
 * Parses every queue-layer variable (job options, worker, scheduler), or throws a `ConfigError`
 * listing every problem. The apps load theirs through `loadConfig(env, { app })`; this is for tools
 * that read a deployment's whole environment, such as the checks of the compose file.
 *
 * @example
 * loadQueueConfig({ WORKER_CONCURRENCY: '4' }).workerConcurrency; // 4
 */
export function loadQueueConfig(source: EnvSource = process.env): QueueConfig {
  return loadEnvConfig(source, queueEnv);
}
