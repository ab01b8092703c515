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

const day = 24 * 3600;

/**
 * How often and how much the scheduler process plans, and its ops port: each default here beside
 * `runScheduler`, their user; an app composes them with `@mm/config`'s shared parts
 * (`apps/scheduler/src/env.ts`).
 */
export const schedulerProcessEnv = envPart(
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
 * The scheduler's configuration: the shared parts (aggregation database, machines file, log level),
 * Redis, the queue prefix and job options, the deployment's connection budget
 * (`PLAN_RAW_CONCURRENCY`, the raw databases a plan reads at once, comes with it) and
 * {@link schedulerProcessEnv}.
 */
export type SchedulerConfig = Loaded<
  ConfigOf<typeof sharedEnv> &
    ConfigOf<typeof redisEnv> &
    ConfigOf<typeof queueJobsEnv> &
    ConfigOf<typeof connectionBudgetEnv> &
    ConfigOf<typeof schedulerProcessEnv>
>;
