import type { EtlRunStatus } from '@mm/db';

/** The status of one (machine, ETL, day) cell of the run grid. */
export type CellStatus = 'complete' | 'partial' | 'failed' | 'running' | 'missing' | 'stale';

/** Worst first: a day's status is the worst of its ETLs' cells. */
export const cellStatusesWorstFirst: readonly CellStatus[] = [
  'failed',
  'stale',
  'missing',
  'running',
  'partial',
  'complete',
];

/** When a slice that should have moved on counts as `stale`. */
export interface StaleRules {
  /** A partial day whose last successful run finished longer ago than this (the scheduler should have re-run it). */
  partialAfterMs: number;
  /** A run that started longer ago than this and never finished (its worker died). */
  runningAfterMs: number;
}

export const defaultStaleRules: StaleRules = { partialAfterMs: 2 * 3_600_000, runningAfterMs: 3_600_000 };

/** The ledger columns the classification reads. */
export interface LedgerRun {
  status: EtlRunStatus;
  complete: boolean;
  started_at: Date;
  finished_at: Date | null;
}

/**
 * The status of a cell from its ledger row (the latest run of the slice), or `missing` without one:
 * `failed`; `running`, or `stale` once started more than `runningAfterMs` ago; `complete` for a
 * succeeded run of a complete day; `partial` for a succeeded run of a partial day, or `stale` once it
 * finished more than `partialAfterMs` ago.
 *
 * @example
 * classifyRun(undefined, new Date()); // 'missing'
 */
export function classifyRun(
  run: LedgerRun | undefined,
  now: Date,
  rules: StaleRules = defaultStaleRules,
): CellStatus {
  if (!run) return 'missing';
  if (run.status === 'failed') return 'failed';
  if (run.status === 'running') {
    return now.getTime() - run.started_at.getTime() > rules.runningAfterMs ? 'stale' : 'running';
  }
  if (run.complete) return 'complete';
  const finished = run.finished_at ?? run.started_at;
  return now.getTime() - finished.getTime() > rules.partialAfterMs ? 'stale' : 'partial';
}

/**
 * The worst of some statuses (see {@link cellStatusesWorstFirst}).
 *
 * @example
 * worstStatus(['complete', 'partial']); // 'partial'
 */
export function worstStatus(statuses: Iterable<CellStatus>): CellStatus {
  let worst = cellStatusesWorstFirst.length - 1;
  for (const s of statuses) worst = Math.min(worst, cellStatusesWorstFirst.indexOf(s));
  return cellStatusesWorstFirst[worst] ?? 'complete';
}

/**
 * A ledger error for display: its first line, at most 200 characters, never a stack.
 *
 * @example
 * shortError('boom\n    at run (etl.ts:1:1)'); // 'boom'
 */
export function shortError(error: string | null): string | null {
  if (error === null) return null;
  const first = (error.split('\n', 1)[0] ?? '').trim();
  return first.length > 200 ? `${first.slice(0, 199)}…` : first;
}
