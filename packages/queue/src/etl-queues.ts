import type { EtlId } from '@mm/etl';
import { etlIds } from '@mm/etl';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { defaultSliceJobPolicy, type SliceJobPolicy, sliceJobOptions } from './job-options.ts';
import { etlQueueName } from './queue-names.ts';
import type { SliceJob } from './slice-job.ts';

/** The ETL queues of one deployment, sharing one producer connection. */
export interface EtlQueues {
  readonly prefix: string;
  /** The queue of one ETL. */
  queue(etl: EtlId): Queue<SliceJob>;
  /** Every ETL queue, in registry order. */
  all(): Array<Queue<SliceJob>>;
  /** Closes the queues (not the connection, which belongs to the caller). */
  close(): Promise<void>;
}

export interface EtlQueuesOptions {
  /** A `producer` connection from `createRedis`. */
  connection: Redis;
  /** `QUEUE_PREFIX`. */
  prefix: string;
  policy?: SliceJobPolicy;
  /** Where queue errors go (BullMQ emits them; an unheard `error` event would crash the process). */
  onError?: (error: Error, queue: string) => void;
}

/**
 * Opens one BullMQ queue per ETL under `prefix`, with {@link sliceJobOptions} as their defaults.
 *
 * @example
 * const queues = createEtlQueues({ connection: createRedis(url, 'producer'), prefix: 'mm' });
 * await enqueue(queues, [{ machine: 'press-07', etl: 'energy', day: '2026-03-29' }]);
 */
export function createEtlQueues(options: EtlQueuesOptions): EtlQueues {
  const defaultJobOptions = sliceJobOptions(options.policy ?? defaultSliceJobPolicy);
  const queues = new Map<EtlId, Queue<SliceJob>>();
  for (const etl of etlIds) {
    const name = etlQueueName(etl);
    const queue = new Queue<SliceJob>(name, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions,
    });
    queue.on('error', (error) => options.onError?.(error, name));
    queues.set(etl, queue);
  }
  return {
    prefix: options.prefix,
    queue(etl) {
      const queue = queues.get(etl);
      if (!queue) throw new Error(`no queue for ETL '${etl}'`);
      return queue;
    },
    all: () => [...queues.values()],
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
