import { composeEnv, connectionBudgetEnv, queueJobsEnv, redisEnv, sharedEnv } from '@mm/config';
import { schedulerProcessEnv } from '@mm/scheduler-core';

/**
 * Every variable the scheduler reads: the shared parts (aggregation database, machines file, log
 * level, Redis, queue prefix and job options, the deployment's connection budget, which brings
 * `PLAN_RAW_CONCURRENCY`, the raw databases a plan reads at once) and how often and how much it plans
 * (`@mm/scheduler-core`'s `schedulerProcessEnv`, each default there).
 */
export const schedulerEnv = composeEnv(
  sharedEnv,
  redisEnv,
  queueJobsEnv,
  connectionBudgetEnv,
  schedulerProcessEnv,
);
