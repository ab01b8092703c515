import {
  type ConfigOf,
  type connectionBudgetEnv,
  envPart,
  type Loaded,
  type queueJobsEnv,
  type redisEnv,
  type sharedEnv,
  wholeNumber,
} from '@mm/config';
import { defaultStalledIntervalMs } from './start-workers.ts';

/**
 * The worker process's own variables, each default here beside `runWorker`, their user; an app
 * composes them with `@mm/config`'s shared parts (`apps/worker/src/env.ts`).
 */
export const workerProcessEnv = envPart(
  {
    WORKER_PORT: wholeNumber('a port number', 1, 65535).default(9100),
    DRAIN_TIMEOUT_SECONDS: wholeNumber('a number of seconds', 1, 3600).default(60),
    // How soon a dead worker's jobs run again, and how long a job's lock lives without renewal.
    // Operators raise it when a slow event loop (a huge day) misses lock renewals.
    STALLED_INTERVAL_MS: wholeNumber('a delay in milliseconds', 200, 600_000).default(
      defaultStalledIntervalMs,
    ),
    // The slowest slice's run: a session of a job waits no longer (statement, lock, idle transaction).
    SLICE_TIMEOUT_SECONDS: wholeNumber('a number of seconds', 5, 86_400).default(120),
  },
  (e) => ({
    workerPort: e.WORKER_PORT,
    drainTimeoutMs: e.DRAIN_TIMEOUT_SECONDS * 1000,
    stalledIntervalMs: e.STALLED_INTERVAL_MS,
    /** The slowest slice's run: statement, lock and idle-in-transaction limit of the worker's sessions. */
    sliceTimeoutMs: e.SLICE_TIMEOUT_SECONDS * 1000,
  }),
);

/**
 * The worker's configuration: the shared parts (aggregation database, machines file, log level),
 * Redis, the queue prefix and job options, the deployment's connection budget (`WORKER_CONCURRENCY`
 * and `MACHINE_MAX_JOBS` come with it) and {@link workerProcessEnv}.
 */
export type WorkerConfig = Loaded<
  ConfigOf<typeof sharedEnv> &
    ConfigOf<typeof redisEnv> &
    ConfigOf<typeof queueJobsEnv> &
    ConfigOf<typeof connectionBudgetEnv> &
    ConfigOf<typeof workerProcessEnv>
>;
