import type { DefaultJobOptions } from 'bullmq';

/** How ETL jobs retry and how long finished ones stay in Redis. */
export interface SliceJobPolicy {
  /** Tries per job, the first included (`JOB_ATTEMPTS`). */
  attempts: number;
  /** First retry delay; doubles with every further attempt. */
  backoffDelayMs: number;
  /** Completed jobs are removed this long after they finish: Redis holds work, not history (the ledger does). */
  keepCompletedSeconds: number;
  /**
   * And at most this many completed jobs are kept (`KEEP_COMPLETED_JOBS`): a year's backfill of a
   * plant finishes millions of jobs a day, which an age limit alone would keep in Redis's memory.
   */
  keepCompletedJobs: number;
  /** Failed jobs stay this long, so operators can read and retry them in Bull Board. */
  keepFailedSeconds: number;
}

/**
 * The job options unless `JOB_ATTEMPTS` or `KEEP_COMPLETED_JOBS` say otherwise. The delays and
 * retention times are the product's: ten seconds to the first retry (doubling) rides out a raw
 * database's restart; a day of completed jobs and two weeks of failed ones are what operators read.
 */
export const defaultSliceJobPolicy: SliceJobPolicy = {
  attempts: 5,
  backoffDelayMs: 10_000,
  keepCompletedSeconds: 24 * 3600,
  keepCompletedJobs: 10_000,
  keepFailedSeconds: 14 * 24 * 3600,
};

/**
 * The options every ETL job is added with (the queue's `defaultJobOptions`): exponential backoff,
 * completed jobs removed after a while or beyond a count, failed ones kept for operators.
 *
 * @example
 * new Queue('etl', { connection, prefix, defaultJobOptions: sliceJobOptions(defaultSliceJobPolicy) });
 */
export function sliceJobOptions(policy: SliceJobPolicy): DefaultJobOptions {
  return {
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffDelayMs },
    removeOnComplete: { age: policy.keepCompletedSeconds, count: policy.keepCompletedJobs },
    removeOnFail: { age: policy.keepFailedSeconds },
  };
}
