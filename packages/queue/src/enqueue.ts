import type { JobsOptions } from 'bullmq';
import type { EtlQueues } from './etl-queues.ts';
import { parseSliceJob, type SliceJob, sliceJobId } from './slice-job.ts';

export interface EnqueueOptions {
  /**
   * Re-run slices whose job is still stored as completed or failed (BullMQ silently ignores `add` for
   * a stored id): such a job is removed and added afresh, with a full set of attempts. A job that is
   * waiting or delayed is left alone (it has not read the raw data yet). An active job cannot be
   * removed: it is reported `active`, and whoever forced it decides (the CLI waits for it to finish,
   * then forces it once more; the scheduler's next plan sees it again if it is still due).
   */
  force?: boolean;
  /**
   * With `force`, only replace jobs that finished before this instant (epoch ms). The scheduler passes
   * the moment it read the ledger, so a job that finished while the plan was being made (and which
   * the plan could not see) is not run a second time.
   */
  finishedBefore?: number;
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

/**
 * THE way to queue ETL slices (scheduler, CLI, API, demo): validates each slice, gives it its
 * deterministic job id, and adds it to its ETL's queue. Slices are added oldest first with LIFO, so
 * workers take the newest days first: today's numbers appear while history backfills.
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
  const valid = slices.map(parseSliceJob).sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const addOptions = (jobId: string): JobsOptions => ({ jobId, lifo: true });
  if (!options.force) {
    const results: EnqueueResult[] = [];
    for (const [etl, group] of groupByEtl(valid)) {
      const queue = queues.queue(etl);
      const jobs = group.map((slice) => ({ slice, jobId: sliceJobId(slice) }));
      // BullMQ keeps a stored id as it is; the lookup only tells the caller which ones were new.
      const existing = await Promise.all(jobs.map(({ jobId }) => queue.getJob(jobId)));
      await queue.addBulk(
        jobs.map(({ slice, jobId }) => ({ name: etl, data: slice, opts: addOptions(jobId) })),
      );
      for (const [i, { slice, jobId }] of jobs.entries()) {
        results.push({ slice, jobId, outcome: existing[i] ? 'pending' : 'added' });
      }
    }
    return results;
  }
  const results: EnqueueResult[] = [];
  for (const slice of valid) {
    const queue = queues.queue(slice.etl);
    const jobId = sliceJobId(slice);
    const stored = await queue.getJob(jobId);
    let outcome: EnqueueOutcome = 'added';
    if (stored) {
      const state = await stored.getState();
      if (state === 'active') outcome = 'active';
      else if (state === 'completed' || state === 'failed') {
        const finishedOn = stored.finishedOn ?? 0;
        if (options.finishedBefore !== undefined && finishedOn >= options.finishedBefore) outcome = 'pending';
        // 0: a worker took it between the two calls (its lock forbids removal).
        else if ((await queue.remove(jobId)) === 1) outcome = 'requeued';
        else outcome = 'active';
      } else if (state !== 'unknown') outcome = 'pending';
    }
    if (outcome === 'added' || outcome === 'requeued') {
      await queue.add(slice.etl, slice, addOptions(jobId));
    }
    results.push({ slice, jobId, outcome });
  }
  return results;
}

function groupByEtl(slices: SliceJob[]): Map<SliceJob['etl'], SliceJob[]> {
  const groups = new Map<SliceJob['etl'], SliceJob[]>();
  for (const slice of slices) {
    const group = groups.get(slice.etl) ?? [];
    group.push(slice);
    groups.set(slice.etl, group);
  }
  return groups;
}
