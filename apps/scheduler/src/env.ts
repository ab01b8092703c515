import {
  composeEnv,
  connectionBudgetEnv,
  envPart,
  queueJobsEnv,
  redisEnv,
  sharedEnv,
  wholeNumber,
} from '@mm/config';

// The scheduler's environment: the shared parts (aggregation database, machines file, log level,
// Redis, queue prefix and job options, the deployment's connection budget) and how often and how
// much it plans, each default here.

const day = 24 * 3600;

const planEnv = envPart(
  {
    PLAN_EVERY_SECONDS: wholeNumber('a number of seconds', 1, day).default(300),
    PARTIAL_REFRESH_SECONDS: wholeNumber('a number of seconds', 0, day).default(900),
    LATE_DATA_LOOKBACK_DAYS: wholeNumber('a number of days', 0, 366).optional(),
    SCHEDULER_PORT: wholeNumber('a port number', 1, 65535).default(9101),
  },
  (e) => ({
    planEverySeconds: e.PLAN_EVERY_SECONDS,
    /** A partial day is re-run at most this often, and only when its raw data changed. */
    partialRefreshSeconds: e.PARTIAL_REFRESH_SECONDS,
    /** Unset: `@mm/etl`'s default (`defaultLateDataLookbackDays`). */
    lateDataLookbackDays: e.LATE_DATA_LOOKBACK_DAYS,
    schedulerPort: e.SCHEDULER_PORT,
  }),
);

/**
 * Every variable the scheduler reads (`PLAN_RAW_CONCURRENCY`, the raw databases a plan reads at once,
 * comes with the budget).
 */
export const schedulerEnv = composeEnv(sharedEnv, redisEnv, queueJobsEnv, connectionBudgetEnv, planEnv);
