import {
  composeEnv,
  connectionBudgetEnv,
  envPart,
  queueJobsEnv,
  redisEnv,
  sharedEnv,
  wholeNumber,
} from '@mm/config';
import { defaultStalledIntervalMs } from '@mm/worker-core';

// The worker's environment: the shared parts (aggregation database, machines file, log level, Redis,
// queue prefix, the deployment's connection budget) and its own variables, each default here.

const workerOwnEnv = envPart(
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

/** Every variable the worker reads (`WORKER_CONCURRENCY` and `MACHINE_MAX_JOBS` come with the budget). */
export const workerEnv = composeEnv(sharedEnv, redisEnv, queueJobsEnv, connectionBudgetEnv, workerOwnEnv);
