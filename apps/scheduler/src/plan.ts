import type { Logger, Machine } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import {
  type DueReason,
  type DueSlice,
  describeError,
  dueSlices,
  type EtlId,
  sortNewestFirst,
} from '@mm/etl';
import { type EnqueueOutcome, type EtlQueues, enqueue } from '@mm/queue';
import { type Kysely, sql } from 'kysely';

export interface PlanDeps {
  aggDb: Kysely<AggDatabase>;
  rawDb(machine: Machine): Kysely<RawDatabase>;
  machines: readonly Machine[];
  etls: readonly EtlId[];
  queues: EtlQueues;
  failedCooldownMs: number;
  lateDataLookbackDays: number;
  /** Most ETL jobs left waiting or delayed across the queues once the plan is done. */
  maxBacklog: number;
  logger: Logger;
  /** Runs a plan unless another plan of the deployment is running (then resolves `null`). */
  exclusive: PlanLock;
  now?: () => Date;
}

/** Runs `plan` alone among the deployment's planners, or resolves `null` without running it. */
export type PlanLock = <T>(plan: () => Promise<T>) => Promise<T | null>;

/**
 * Plans of all scheduler replicas never overlap: a session advisory lock on the aggregation database
 * (keyed by the queue prefix, so deployments sharing a database do not block each other), held on one
 * connection for the plan's duration and dropped by PostgreSQL if the process dies. Needs a pool of at
 * least two connections (the plan's own queries use the others).
 *
 * @example
 * const exclusive = advisoryPlanLock(aggDb, 'mm');
 */
export function advisoryPlanLock(aggDb: Kysely<AggDatabase>, prefix: string): PlanLock {
  const key = `mm-plan:${prefix}`;
  return (plan) =>
    aggDb.connection().execute(async (db) => {
      const { rows } = await sql<{
        ok: boolean;
      }>`select pg_try_advisory_lock(hashtext(${key})) as ok`.execute(db);
      if (!rows[0]?.ok) return null;
      try {
        return await plan();
      } finally {
        await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(db);
      }
    });
}

/**
 * One plan at a time within this process: for a single-process deployment (the demo on PGlite, whose
 * one connection cannot be held apart).
 *
 * @example
 * const exclusive = inProcessPlanLock();
 */
export function inProcessPlanLock(): PlanLock {
  let busy = false;
  return async (plan) => {
    if (busy) return null;
    busy = true;
    try {
      return await plan();
    } finally {
      busy = false;
    }
  };
}

export interface PlanResult {
  /** Another plan of this deployment was running (several scheduler replicas): this one did nothing. */
  skipped: boolean;
  due: number;
  byReason: Record<DueReason, number>;
  enqueued: Record<EnqueueOutcome, number>;
  /** Due slices left for later plans because the backlog is full. */
  deferred: number;
  /** Machines that could not be planned (raw database unreachable…); the next plan tries again. */
  failedMachines: string[];
}

const CHUNK = 100;

/**
 * One plan: which (machine, ETL, day) slices are due, from the aggregation ledger and the raw data
 * ({@link dueSlices}), queued newest day first (refreshes of partial days taking turns with the rest)
 * until the backlog bound is reached. Never reads Redis
 * to decide what is due, so whatever Redis lost is planned again. Plans of one deployment never
 * overlap (`exclusive`, e.g. {@link advisoryPlanLock}), and
 * finished jobs are re-queued only if they finished before the ledger was read, so no slice runs twice
 * because two plans or a plan and a worker crossed.
 *
 * @example
 * const result = await planOnce({ aggDb, rawDb, machines, etls: etlIds, queues, failedCooldownMs: 3_600_000, lateDataLookbackDays: 7, maxBacklog: 2000, logger, exclusive: advisoryPlanLock(aggDb, 'mm') });
 */
export async function planOnce(deps: PlanDeps): Promise<PlanResult> {
  const result: PlanResult = {
    skipped: false,
    due: 0,
    byReason: { missing: 0, failed: 0, partial: 0, stale: 0, late: 0 },
    enqueued: { added: 0, requeued: 0, pending: 0, active: 0 },
    deferred: 0,
    failedMachines: [],
  };
  const planned = await deps.exclusive(async () => {
    const plannedAt = Date.now();
    const now = deps.now?.() ?? new Date(plannedAt);
    const due: DueSlice[] = [];
    for (const machine of deps.machines) {
      try {
        const planned = await dueSlices({
          aggDb: deps.aggDb,
          rawDb: deps.rawDb(machine),
          machine,
          etls: deps.etls,
          policy: {
            now,
            failedCooldownMs: deps.failedCooldownMs,
            lateDataLookbackDays: deps.lateDataLookbackDays,
          },
        });
        due.push(...planned.due);
      } catch (error) {
        result.failedMachines.push(machine.id);
        deps.logger.warn({ machine: machine.id, error: describeError(error) }, 'cannot plan machine');
      }
    }
    // Newest first within each kind, alternating refreshes of partial days (re-run every plan) with the
    // rest (never-run, failed, stale and late slices), so neither can take the whole backlog bound:
    // with many machines, refreshing today everywhere must not starve the backfill, nor the reverse.
    const refreshes = sortNewestFirst(
      due.filter((s) => s.reason === 'partial'),
      deps.etls,
    );
    const work = sortNewestFirst(
      due.filter((s) => s.reason !== 'partial'),
      deps.etls,
    );
    due.length = 0;
    for (let i = 0; i < Math.max(refreshes.length, work.length); i++) {
      if (i < work.length) due.push(work[i]!);
      if (i < refreshes.length) due.push(refreshes[i]!);
    }
    result.due = due.length;
    for (const slice of due) result.byReason[slice.reason]++;

    let capacity = Math.max(0, deps.maxBacklog - (await backlog(deps.queues)));
    let next = 0;
    while (next < due.length && capacity > 0) {
      const chunk = due.slice(next, next + Math.min(CHUNK, capacity));
      next += chunk.length;
      const slices = chunk.map(({ machine, etl, day }) => ({ machine, etl, day }));
      // force: a due slice whose job is still stored (completed or failed in Redis, while the ledger
      // says otherwise) must run again; finishedBefore keeps jobs that finished after the ledger was read.
      for (const { outcome } of await enqueue(deps.queues, slices, {
        force: true,
        finishedBefore: plannedAt,
      })) {
        result.enqueued[outcome]++;
        if (outcome === 'added' || outcome === 'requeued') capacity--;
      }
    }
    result.deferred = due.length - next;
    return result;
  });
  return planned ?? { ...result, skipped: true };
}

async function backlog(queues: EtlQueues): Promise<number> {
  let total = 0;
  for (const queue of queues.all()) {
    const counts = await queue.getJobCounts('wait', 'delayed', 'prioritized');
    for (const n of Object.values(counts)) total += n;
  }
  return total;
}
