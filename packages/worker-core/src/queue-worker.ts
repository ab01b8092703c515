import { type EtlWorkers, type EtlWorkersOptions, startEtlWorkers } from './start-workers.ts';

/**
 * A job that finds its machine's slots taken goes back to the queue for about this long (jittered),
 * so the other machines' jobs run meanwhile.
 */
export const slotRetryDelayMs = 1_000;
/** A job whose slice another run holds goes back to the queue for about this long (jittered). */
export const busyRetryDelayMs = 5_000;

/**
 * The ETL worker as every process runs it (the worker process, the demo): {@link startEtlWorkers}
 * with the product's retry delays, so no caller sets its own.
 *
 * @example
 * const workers = startQueueWorker({ connection, prefix, concurrency: 2, aggDb, rawDb, machines, slots, logger });
 */
export function startQueueWorker(
  options: Omit<EtlWorkersOptions, 'slotRetryDelayMs' | 'busyRetryDelayMs'>,
): EtlWorkers {
  return startEtlWorkers({ ...options, slotRetryDelayMs, busyRetryDelayMs });
}
