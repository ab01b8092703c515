import { composeEnv, connectionBudgetEnv, queueJobsEnv, redisEnv, sharedEnv } from '@mm/config';
import { workerProcessEnv } from '@mm/worker-core';

/**
 * Every variable the worker reads: the shared parts (aggregation database, machines file, log level,
 * Redis, queue prefix and job options, the deployment's connection budget, which brings
 * `WORKER_CONCURRENCY` and `MACHINE_MAX_JOBS`) and the process's own (`@mm/worker-core`'s
 * `workerProcessEnv`, each default there).
 */
export const workerEnv = composeEnv(sharedEnv, redisEnv, queueJobsEnv, connectionBudgetEnv, workerProcessEnv);
