/**
 * The one queue of ETL work: every (machine, ETL, day) job, the job's name saying its ETL. One queue,
 * not one per ETL, so a worker process takes and locks only the jobs it runs (BullMQ's concurrency is
 * per queue) and priorities order all the work. It lives under the deployment's `QUEUE_PREFIX`
 * (BullMQ's `prefix` option), so several deployments share one Redis.
 */
export const etlQueueName = 'etl';

/** The scheduler's queue: its repeatable plan job lives here, apart from the ETL work. */
export const planQueueName = 'plan';

/** The default `QUEUE_PREFIX`. */
export const defaultQueuePrefix = 'mm';
