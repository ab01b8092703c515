import { type EtlId, etlIds } from '@mm/etl';

/**
 * The queue of one ETL. One queue per ETL, so an operator reads the failed days of each ETL apart
 * (Bull Board lists queues); every queue lives under the deployment's `QUEUE_PREFIX` (BullMQ's
 * `prefix` option), so several deployments share one Redis.
 *
 * @example
 * etlQueueName('sensor-stats'); // 'sensor-stats'
 */
export function etlQueueName(etl: EtlId): string {
  return etl;
}

/** Every ETL queue, in registry order. */
export const etlQueueNames: readonly string[] = etlIds.map(etlQueueName);

/** The scheduler's queue: its repeatable plan job lives here, apart from the ETL work. */
export const planQueueName = 'plan';

/** The default `QUEUE_PREFIX`. */
export const defaultQueuePrefix = 'mm';
