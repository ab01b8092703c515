import type { Logger, Machine } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { describeError, PermanentEtlError, runEtls, SliceBusyError, SupersededRunError } from '@mm/etl';
import { parseSliceJob, type SliceJob } from '@mm/queue';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Kysely } from 'kysely';
import type { MachineSlots } from './machine-slots.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

export interface SliceProcessorDeps {
  aggDb: Kysely<AggDatabase>;
  rawDb(machine: Machine): Kysely<RawDatabase>;
  machines: ReadonlyMap<string, Machine>;
  slots: MachineSlots;
  metrics: WorkerMetrics;
  logger: Logger;
  /** Told when a job starts (+1) and ends (-1) running, for `/healthz`. */
  running?: (delta: 1 | -1) => void;
  /** How long a job whose machine has no free slot waits in the queue before it is tried again. */
  slotRetryDelayMs: number;
  /** How long a job whose slice another run holds waits in the queue before it is tried again (default 5 s). */
  busyRetryDelayMs?: number;
  /** How long a run waits for its slice's lock (the runner's default unless set). */
  sliceLockWaitMs?: number;
  /** Aborted when the drain deadline passes: the runner stops between slices. */
  signal: AbortSignal;
}

/** What a completed job returns (kept in Redis with the job, shown in Bull Board). */
export interface SliceJobResult {
  /** A newer run of the slice started elsewhere: this run wrote nothing. */
  superseded?: true;
  complete: boolean;
  rowsRead: number;
  rowsWritten: number;
  durationMs: number;
}

/**
 * The processor of the ETL queue: validate the payload, find the machine, take a slot on the
 * machine's raw database, run the slice with the runner (recording what it saw of the raw data unless
 * the job says not to), give the slot back. Control flow is by error class: `UnrecoverableError` (bad
 * payload, unknown machine, a `PermanentEtlError`) fails the job at once; `DelayedError` puts it back
 * without using an attempt (no free slot, or another run holds the slice's lock); anything else is
 * retried with backoff. A run superseded by a newer run of its slice (this worker was cut off long
 * enough for another to start the job again) completes the job without writing: the newer run owns
 * the slice.
 *
 * @example
 * new Worker('etl', createSliceProcessor(deps), { connection, prefix, concurrency: 2 });
 */
export function createSliceProcessor(deps: SliceProcessorDeps) {
  return async (job: Job<SliceJob>, token?: string): Promise<SliceJobResult> => {
    let slice: SliceJob;
    try {
      slice = parseSliceJob(job.data);
    } catch (error) {
      deps.logger.error({ jobId: job.id, error: describeError(error) }, 'invalid job payload');
      throw new UnrecoverableError(describeError(error));
    }
    const logger = deps.logger.child({
      jobId: job.id,
      machine: slice.machine,
      etl: slice.etl,
      day: slice.day,
    });
    const machine = deps.machines.get(slice.machine);
    if (!machine) {
      const reason = `unknown machine '${slice.machine}': not in this worker's machines file`;
      logger.error(reason);
      throw new UnrecoverableError(reason);
    }

    const backLater = async (delayMs: number): Promise<never> => {
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    };
    const slot = await deps.slots.tryAcquire(machine.id);
    if (!slot) {
      deps.metrics.jobDeferred(slice.etl);
      logger.debug('no free slot on the machine: back to the queue');
      // Jitter, so deferred jobs of one machine do not all come back at the same instant.
      return backLater(deps.slotRetryDelayMs * (0.5 + Math.random()));
    }

    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    deps.metrics.jobStarted(slice.etl);
    deps.running?.(1);
    try {
      const [run] = await runEtls({
        aggDb: deps.aggDb,
        rawDb: deps.rawDb(machine),
        machine,
        etls: [slice.etl],
        day: slice.day,
        logger,
        fingerprint: slice.fingerprint ?? true,
        signal: deps.signal,
        ...(deps.sliceLockWaitMs === undefined ? {} : { lockWaitMs: deps.sliceLockWaitMs }),
      });
      if (!run) throw new Error('the runner returned no slice');
      if (run.ok) {
        const { result } = run;
        deps.metrics.jobEnded(slice.etl, 'completed', seconds());
        logger.info(
          { complete: result.complete, rowsRead: result.rowsRead, durationMs: result.durationMs },
          'slice done',
        );
        return {
          complete: result.complete,
          rowsRead: result.rowsRead,
          rowsWritten: result.rowsWritten,
          durationMs: result.durationMs,
        };
      }
      if (run.error.cause instanceof SupersededRunError) {
        // The runner has logged it (at warn). Not retried: the newer run owns the slice.
        deps.metrics.jobEnded(slice.etl, 'superseded', seconds());
        return {
          superseded: true,
          complete: false,
          rowsRead: 0,
          rowsWritten: 0,
          durationMs: Math.round(seconds() * 1000),
        };
      }
      if (run.error.cause instanceof SliceBusyError) {
        deps.metrics.jobEnded(slice.etl, 'busy', seconds());
      } else {
        // The runner has logged the failure (at error, with its cause) and recorded it in the ledger.
        throw run.error;
      }
    } catch (error) {
      const permanent =
        error instanceof PermanentEtlError ||
        (error as Error | undefined)?.cause instanceof PermanentEtlError;
      const lastAttempt = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      deps.metrics.jobEnded(slice.etl, lastAttempt ? 'failed' : 'retrying', seconds());
      if (permanent) {
        logger.error({ error: describeError(error) }, 'slice can never succeed: failed without retry');
        throw new UnrecoverableError(describeError(error));
      }
      throw error;
    } finally {
      deps.running?.(-1);
      await slot.release();
    }
    // Only a busy slice gets here. Another run holds it (or a vanished host's session does, until
    // the server drops it): back to the queue without using an attempt, once the slot is given back.
    return backLater((deps.busyRetryDelayMs ?? 5_000) * (0.5 + Math.random()));
  };
}
