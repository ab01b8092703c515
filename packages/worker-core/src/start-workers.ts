import type { Logger } from '@mm/config';
import { etlQueueName, type SliceJob } from '@mm/queue';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createSliceProcessor, type SliceJobResult, type SliceProcessorDeps } from './worker.ts';

/** Thirty seconds: a dead worker's jobs run again within a minute, at a few Redis calls per interval. */
export const defaultStalledIntervalMs = 30_000;

export interface EtlWorkersOptions extends Omit<SliceProcessorDeps, 'signal' | 'logger' | 'running'> {
  /** A `worker` connection (`createRedis(url, 'worker')`); BullMQ duplicates it for blocking reads. */
  connection: Redis;
  prefix: string;
  /** Jobs this process runs (and locks) at once (`WORKER_CONCURRENCY`). */
  concurrency: number;
  /**
   * How often jobs of dead workers are looked for, and how long a job lock lives without renewal
   * ({@link defaultStalledIntervalMs} unless given).
   */
  stalledIntervalMs?: number;
  logger: Logger;
  /**
   * The worker's `error` events (`@mm/service`'s `queueErrorLogger` tells outages and vanished jobs
   * from real errors); logged at `error` unless given.
   */
  onError?: (error: Error, queue: string) => void;
}

export interface EtlWorkers {
  /** Jobs running in this process now. */
  readonly active: number;
  /** Whether the worker is running (for `/healthz`). */
  running(): boolean;
  /**
   * Stops taking jobs and waits for the running ones, at most `deadlineMs`; then aborts the runner
   * (it stops between slices) and closes without waiting: jobs still running are left to their
   * locks, which expire, and another worker runs them again (their transactions roll back when this
   * process exits). Resolves `true` when everything finished in time.
   */
  drain(deadlineMs: number): Promise<boolean>;
}

/**
 * One BullMQ worker on the ETL queue with concurrency `concurrency`: BullMQ fetches, and locks, only
 * as many jobs as it runs, so "active" in Bull Board and the queue metrics is what really runs, and a
 * process that dies strands at most `concurrency` jobs (re-run after `stalledIntervalMs`). The job's
 * name says its ETL.
 *
 * @example
 * const workers = startEtlWorkers({ connection, prefix: 'mm', concurrency: 2, ... });
 * process.once('SIGTERM', async () => { await workers.drain(60_000); process.exit(0); });
 */
export function startEtlWorkers(options: EtlWorkersOptions): EtlWorkers {
  const abort = new AbortController();
  let active = 0;
  const processor = createSliceProcessor({
    ...options,
    signal: abort.signal,
    running: (delta) => {
      active += delta;
    },
  });
  const worker = new Worker<SliceJob, SliceJobResult>(etlQueueName, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    stalledInterval: options.stalledIntervalMs ?? defaultStalledIntervalMs,
    lockDuration: options.stalledIntervalMs ?? defaultStalledIntervalMs,
    // A job whose worker died twice in a row is failed rather than tried forever.
    maxStalledCount: 2,
  });
  worker.on('error', (error) =>
    options.onError
      ? options.onError(error, worker.name)
      : options.logger.error({ queue: worker.name, error: error.message }, 'queue worker error'),
  );
  worker.on('stalled', (jobId) =>
    options.logger.warn({ queue: worker.name, jobId }, 'job stalled (its worker died): queued again'),
  );
  return {
    get active() {
      return active;
    },
    running: () => worker.isRunning(),
    async drain(deadlineMs) {
      const closed = worker.close().then(() => true);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), deadlineMs);
      });
      const inTime = await Promise.race([closed, late]);
      clearTimeout(timer);
      if (!inTime) {
        abort.abort();
        await worker.close(true);
      }
      return inTime;
    },
  };
}
