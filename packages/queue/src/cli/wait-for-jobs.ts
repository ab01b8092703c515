import type { EtlQueues } from '../etl-queues.ts';
import type { SliceJob } from '../slice-job.ts';

export interface WaitedJob {
  slice: SliceJob;
  jobId: string;
}

export interface JobsProgress {
  done: number;
  total: number;
  failed: number;
  elapsedMs: number;
}

export interface FailedJob extends WaitedJob {
  reason: string;
}

/**
 * Polls the jobs' states until each is completed or failed (or gone: a Redis that lost it), calling
 * `onProgress` after every poll that changed something. Resolves with the failed ones.
 *
 * @example
 * const failed = await waitForJobs(queues, jobs, (p) => print(p));
 */
export async function waitForJobs(
  queues: EtlQueues,
  jobs: readonly WaitedJob[],
  onProgress: (progress: JobsProgress) => void,
  options: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<FailedJob[]> {
  const started = performance.now();
  const pending = new Map(jobs.map((j) => [j.jobId, j]));
  const failed: FailedJob[] = [];
  let done = 0;
  onProgress({ done, total: jobs.length, failed: 0, elapsedMs: 0 });
  while (pending.size > 0 && !options.signal?.aborted) {
    let changed = false;
    const batch = [...pending.values()];
    const states = await Promise.all(batch.map((j) => queues.queue.getJobState(j.jobId)));
    for (const [i, job] of batch.entries()) {
      const state = states[i];
      if (state === 'completed') {
        pending.delete(job.jobId);
        done++;
        changed = true;
      } else if (state === 'failed' || state === 'unknown') {
        const stored = state === 'failed' ? await queues.queue.getJob(job.jobId) : undefined;
        pending.delete(job.jobId);
        done++;
        failed.push({ ...job, reason: stored?.failedReason ?? 'the job is gone from Redis' });
        changed = true;
      }
    }
    if (changed)
      onProgress({ done, total: jobs.length, failed: failed.length, elapsedMs: performance.now() - started });
    if (pending.size > 0) await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
  }
  return failed;
}
