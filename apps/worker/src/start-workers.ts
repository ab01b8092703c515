import type { Logger } from '@mm/config';
import { etlIds } from '@mm/etl';
import { etlQueueName, type SliceJob } from '@mm/queue';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { JobGate } from './job-gate.ts';
import { createSliceProcessor, type SliceJobResult, type SliceProcessorDeps } from './worker.ts';

export interface EtlWorkersOptions extends Omit<SliceProcessorDeps, 'gate' | 'signal' | 'logger'> {
  /** A `worker` connection (`createRedis(url, 'worker')`); BullMQ duplicates it for blocking reads. */
  connection: Redis;
  prefix: string;
  /** Jobs this process runs at once, across every ETL queue (`WORKER_CONCURRENCY`). */
  concurrency: number;
  /** How often jobs of dead workers are looked for, and how long a job lock lives without renewal. */
  stalledIntervalMs: number;
  logger: Logger;
}

export interface EtlWorkers {
  readonly gate: JobGate;
  /** Whether every queue's worker is running (for `/healthz`). */
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
 * One BullMQ worker per ETL queue, all in this process and sharing one {@link JobGate}, so the process
 * runs at most `concurrency` jobs whatever the queue.
 *
 * @example
 * const workers = startEtlWorkers({ connection, prefix: 'mm', concurrency: 2, ... });
 * process.once('SIGTERM', async () => { await workers.drain(60_000); process.exit(0); });
 */
export function startEtlWorkers(options: EtlWorkersOptions): EtlWorkers {
  const gate = new JobGate(options.concurrency);
  const abort = new AbortController();
  const processor = createSliceProcessor({ ...options, gate, signal: abort.signal });
  const workers = etlIds.map((etl) => {
    const worker = new Worker<SliceJob, SliceJobResult>(etlQueueName(etl), processor, {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      stalledInterval: options.stalledIntervalMs,
      lockDuration: options.stalledIntervalMs,
      // A job whose worker died twice in a row is failed rather than tried forever.
      maxStalledCount: 2,
    });
    worker.on('error', (error) =>
      options.logger.error({ queue: worker.name, error: error.message }, 'queue worker error'),
    );
    worker.on('stalled', (jobId) =>
      options.logger.warn({ queue: worker.name, jobId }, 'job stalled (its worker died): queued again'),
    );
    return worker;
  });
  return {
    gate,
    running: () => workers.every((w) => w.isRunning()),
    async drain(deadlineMs) {
      gate.close();
      const closed = Promise.all(workers.map((w) => w.close())).then(() => true);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), deadlineMs);
      });
      const inTime = await Promise.race([closed, late]);
      clearTimeout(timer);
      if (!inTime) {
        abort.abort();
        await Promise.all(workers.map((w) => w.close(true)));
      }
      return inTime;
    },
  };
}
