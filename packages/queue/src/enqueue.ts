import type { JobsOptions } from 'bullmq';
import type { EtlQueues } from './etl-queues.ts';
import { parseSliceJob, type SliceJob, sliceJobId } from './slice-job.ts';

export interface EnqueueOptions {
  /**
   * Re-run slices whose job is still stored as completed or failed (BullMQ silently ignores `add` for
   * a stored id): such a job is removed and added afresh, with a full set of attempts. A job that is
   * waiting, prioritized or delayed is left alone (it has not read the raw data yet), so a slice is
   * never queued twice. An active job cannot be removed: it is reported `active`, and whoever forced
   * it decides (the CLI waits for it to finish, then forces it once more; the scheduler's next plan
   * sees it again if it is still due).
   */
  force?: boolean;
  /**
   * With `force`, only replace jobs that finished before this instant (epoch ms). The scheduler passes
   * the moment it read the ledger, so a job that finished while the plan was being made (and which
   * the plan could not see) is not run a second time.
   */
  finishedBefore?: number;
  /**
   * The BullMQ priority of each slice's job (1 most urgent; see `slicePriority`). Without one a job
   * goes to the wait list, which workers empty before any prioritized job: an operator's re-queue runs
   * before the scheduler's backlog.
   */
  priority?: (slice: SliceJob) => number | undefined;
}

/**
 * What became of one slice:
 * - `added`: a new job was queued;
 * - `requeued`: a completed or failed job was replaced by a fresh one (force);
 * - `pending`: a job for it is already waiting, delayed, or (without force) stored in any state;
 * - `active`: a worker is running it right now (force could not replace it).
 */
export type EnqueueOutcome = 'added' | 'requeued' | 'pending' | 'active';

export interface EnqueueResult {
  slice: SliceJob;
  jobId: string;
  outcome: EnqueueOutcome;
}

/** Slices looked up and added per round of Redis commands. */
const BATCH = 500;

/**
 * THE way to queue ETL slices (scheduler, CLI, API, demo): validates each slice, gives it its
 * deterministic job id (`<machine>__<etl>__<day>`), and adds it to the ETL queue, named after its ETL,
 * with its priority. Work goes in batches: one round of state look-ups, one of removals (force), one
 * `addBulk` per 500 slices, each round pipelined on the connection.
 *
 * Without `force` a slice whose id is stored in any state is left as it is (that is what makes two
 * schedulers harmless); with `force` a finished one is re-run (see {@link EnqueueOptions.force}).
 *
 * @example
 * await enqueue(queues, [{ machine: 'press-07', etl: 'energy', day: '2026-03-29' }], { force: true });
 * // [{ slice: {...}, jobId: 'press-07__energy__2026-03-29', outcome: 'requeued' }]
 */
export async function enqueue(
  queues: EtlQueues,
  slices: readonly SliceJob[],
  options: EnqueueOptions = {},
): Promise<EnqueueResult[]> {
  const valid = slices.map(parseSliceJob);
  const results: EnqueueResult[] = [];
  for (let start = 0; start < valid.length; start += BATCH) {
    results.push(...(await enqueueBatch(queues, valid.slice(start, start + BATCH), options)));
  }
  return results;
}

async function enqueueBatch(
  queues: EtlQueues,
  slices: readonly SliceJob[],
  options: EnqueueOptions,
): Promise<EnqueueResult[]> {
  const { queue } = queues;
  const jobs = slices.map((slice) => ({ slice, jobId: sliceJobId(slice) }));
  const states = await Promise.all(jobs.map(({ jobId }) => queue.getJobState(jobId)));
  const outcomes: EnqueueOutcome[] = states.map((state) =>
    state === 'unknown' ? 'added' : state === 'active' && options.force ? 'active' : 'pending',
  );
  if (options.force) {
    const finished = jobs.flatMap((job, i) =>
      states[i] === 'completed' || states[i] === 'failed' ? [{ ...job, i }] : [],
    );
    const stored = await Promise.all(finished.map(({ jobId }) => queue.getJob(jobId)));
    const replace = finished.filter(
      (_, k) => options.finishedBefore === undefined || (stored[k]?.finishedOn ?? 0) < options.finishedBefore,
    );
    const removed = await Promise.all(replace.map(({ jobId }) => queue.remove(jobId)));
    // 0: a worker took it between the look-up and the removal (its lock forbids removal).
    for (const [k, { i }] of replace.entries()) outcomes[i] = removed[k] === 1 ? 'requeued' : 'active';
  }
  const toAdd = jobs.filter((_, i) => outcomes[i] === 'added' || outcomes[i] === 'requeued');
  if (toAdd.length > 0) {
    await queue.addBulk(
      toAdd.map(({ slice, jobId }) => {
        const priority = options.priority?.(slice);
        const opts: JobsOptions = priority ? { jobId, priority } : { jobId };
        return { name: slice.etl, data: slice, opts };
      }),
    );
  }
  return jobs.map(({ slice, jobId }, i) => ({ slice, jobId, outcome: outcomes[i]! }));
}
