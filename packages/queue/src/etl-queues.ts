import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { defaultSliceJobPolicy, type SliceJobPolicy, sliceJobOptions } from './job-options.ts';
import { etlQueueName } from './queue-names.ts';
import type { SliceJob } from './slice-job.ts';

/** The ETL work of one deployment: its one queue, on a producer connection. */
export interface EtlQueues {
  readonly prefix: string;
  /** The queue of every ETL job (the job's name is its ETL). */
  readonly queue: Queue<SliceJob>;
  /** Every queue of ETL work, for what lists queues (Bull Board, queue metrics): the one above. */
  all(): Array<Queue<SliceJob>>;
  /** Closes the queue (not the connection, which belongs to the caller). */
  close(): Promise<void>;
}

export interface EtlQueuesOptions {
  /** A `producer` connection from `createRedis`. */
  connection: Redis;
  /** `QUEUE_PREFIX`. */
  prefix: string;
  /** The job options; each one unset is `defaultSliceJobPolicy`'s. */
  policy?: Partial<SliceJobPolicy>;
  /** Where queue errors go (BullMQ emits them; an unheard `error` event would crash the process). */
  onError?: (error: Error, queue: string) => void;
}

/**
 * Opens the deployment's ETL queue under `prefix`, with {@link sliceJobOptions} as its defaults.
 *
 * @example
 * const queues = createEtlQueues({ connection: createRedis(url, 'producer'), prefix: 'mm' });
 * await enqueue(queues, [{ machine: 'press-07', etl: 'energy', day: '2026-03-29' }]);
 */
export function createEtlQueues(options: EtlQueuesOptions): EtlQueues {
  const queue = new Queue<SliceJob>(etlQueueName, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: sliceJobOptions({ ...defaultSliceJobPolicy, ...options.policy }),
  });
  queue.on('error', (error) => options.onError?.(error, etlQueueName));
  return {
    prefix: options.prefix,
    queue,
    all: () => [queue],
    close: () => queue.close(),
  };
}
