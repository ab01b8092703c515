import type { Logger, Machine } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { type DueReason, type DueSlice, type EtlId, planDueSlices } from '@mm/etl';
import {
  type EnqueueOutcome,
  type EtlQueues,
  enqueue,
  type SliceJob,
  type SliceTier,
  sliceJobId,
  slicePriority,
} from '@mm/queue';
import { type Kysely, sql } from 'kysely';

export interface PlanDeps {
  aggDb: Kysely<AggDatabase>;
  rawDb(machine: Machine): Kysely<RawDatabase>;
  /**
   * Called once the plan has read the raw databases, even when it failed: the scheduler closes its raw
   * pools there, so it holds no raw connection between plans.
   */
  releaseRaw?: () => Promise<void>;
  machines: readonly Machine[];
  etls: readonly EtlId[];
  queues: EtlQueues;
  /** How long a failed slice waits before a plan queues it again ({@link defaultFailedCooldownMs} unless given). */
  failedCooldownMs?: number;
  /** Recent days checked for late raw rows (`LATE_DATA_LOOKBACK_DAYS`; `@mm/etl`'s default unless given). */
  lateDataLookbackDays?: number;
  /** A partial day is re-run at most this often, and only when its raw data changed (`PARTIAL_REFRESH_SECONDS`). */
  refreshMs: number;
  /** Raw databases read at once (`PLAN_RAW_CONCURRENCY`). */
  rawConcurrency: number;
  /**
   * Most ETL jobs left waiting, prioritized or delayed in the queue once the plan is done
   * ({@link defaultMaxBacklog} unless given).
   */
  maxBacklog?: number;
  logger: Logger;
  /** Runs a plan unless another plan of the deployment is running (then resolves `null`). */
  exclusive: PlanLock;
  now?: () => Date;
}

/**
 * A failed slice (its retries spent) is planned again after an hour: long enough for an operator to
 * read it in Bull Board, short enough that a fixed raw database heals the day without anyone.
 */
export const defaultFailedCooldownMs = 3_600_000;

/**
 * ETL jobs a plan leaves waiting at most: about ten minutes of work for three workers, so a
 * year's backfill is queued a slice of it per tick and fresh days never wait behind all of it.
 */
export const defaultMaxBacklog = 2000;

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
  /** Partial or recent slices whose raw data was found unchanged since their run (not re-run). */
  unchanged: number;
  /** The plan's time, in all and per configured machine, and where it went. */
  durationMs: number;
  perMachineMs: number;
  phasesMs: { raw: number; ledger: number; fingerprint: number; enqueue: number };
}

/** The queue's tier of a due slice: refreshes of partial days wait behind all other work. */
export function tierOf(slice: DueSlice): SliceTier {
  return slice.reason === 'partial' ? 'refresh' : 'work';
}

/**
 * One plan: which (machine, ETL, day) slices are due ({@link planDueSlices}: the aggregation ledger and
 * the raw data, never Redis), queued with their priority (every never-run, failed, stale or late slice
 * before any refresh of a partial day, newest day first within each) until the queue holds
 * `maxBacklog` jobs waiting. Work fills the backlog first, so refreshes never starve it; refreshes
 * run whenever the workers run out of work between plans.
 *
 * What a plan guarantees, even after Redis lost everything: once it is done, every slice the ledger
 * and the raw data say is due is in the queue (waiting or running), up to the backlog bound, most
 * urgent first; nothing in Redis is needed to know that. A slice whose job still waits is left alone
 * (never queued twice), a finished job is replaced only if it finished before the plan read the ledger
 * (`finishedBefore`), and plans of one deployment never overlap (`exclusive`), so no slice runs twice
 * because two plans, or a plan and a worker, crossed.
 *
 * @example
 * const result = await planOnce({ aggDb, rawDb, machines, etls: etlIds, queues, failedCooldownMs: 3_600_000, lateDataLookbackDays: 7, refreshMs: 900_000, rawConcurrency: 4, maxBacklog: 2000, logger, exclusive: advisoryPlanLock(aggDb, 'mm') });
 */
export async function planOnce(deps: PlanDeps): Promise<PlanResult> {
  const started = performance.now();
  const result: PlanResult = {
    skipped: false,
    due: 0,
    byReason: { missing: 0, failed: 0, partial: 0, stale: 0, late: 0 },
    enqueued: { added: 0, requeued: 0, pending: 0, active: 0 },
    deferred: 0,
    failedMachines: [],
    unchanged: 0,
    durationMs: 0,
    perMachineMs: 0,
    phasesMs: { raw: 0, ledger: 0, fingerprint: 0, enqueue: 0 },
  };
  const planned = await deps.exclusive(async () => {
    const plannedAt = Date.now();
    let plan: Awaited<ReturnType<typeof planDueSlices>>;
    try {
      plan = await planDueSlices({
        aggDb: deps.aggDb,
        rawDb: deps.rawDb,
        machines: deps.machines,
        etls: deps.etls,
        concurrency: deps.rawConcurrency,
        policy: {
          now: deps.now?.() ?? new Date(plannedAt),
          failedCooldownMs: deps.failedCooldownMs ?? defaultFailedCooldownMs,
          ...(deps.lateDataLookbackDays !== undefined
            ? { lateDataLookbackDays: deps.lateDataLookbackDays }
            : {}),
          refreshMs: deps.refreshMs,
        },
      });
    } finally {
      await deps.releaseRaw?.();
    }
    for (const { machine, error } of plan.failedMachines) {
      deps.logger.warn({ machine, error }, 'cannot plan machine');
    }
    result.failedMachines = plan.failedMachines.map((f) => f.machine);
    result.unchanged = plan.unchanged;
    result.phasesMs.raw = Math.round(plan.timings.rawMs);
    result.phasesMs.ledger = Math.round(plan.timings.ledgerMs);
    result.phasesMs.fingerprint = Math.round(plan.timings.fingerprintMs);

    // Work before refreshes (the order fills the backlog), newest day first within each.
    const due = [
      ...plan.due.filter((s) => tierOf(s) === 'work'),
      ...plan.due.filter((s) => tierOf(s) === 'refresh'),
    ];
    result.due = due.length;
    for (const slice of due) result.byReason[slice.reason]++;

    const enqueueStarted = performance.now();
    const priorities = new Map<string, number>();
    const toJob = (slice: DueSlice): SliceJob => {
      const job: SliceJob = { machine: slice.machine, etl: slice.etl, day: slice.day };
      // The default is to record; saying so for every job would only grow Redis.
      if (!slice.fingerprint) job.fingerprint = false;
      priorities.set(sliceJobId(job), slicePriority(tierOf(slice), slice.day));
      return job;
    };
    let capacity = Math.max(0, (deps.maxBacklog ?? defaultMaxBacklog) - (await backlog(deps.queues)));
    let next = 0;
    while (next < due.length && capacity > 0) {
      const chunk = due.slice(next, next + Math.min(CHUNK, capacity));
      next += chunk.length;
      // force: a due slice whose job is still stored (completed or failed in Redis, while the ledger
      // says otherwise) must run again; finishedBefore keeps jobs that finished after the ledger was read.
      for (const { outcome } of await enqueue(deps.queues, chunk.map(toJob), {
        force: true,
        finishedBefore: plannedAt,
        priority: (job) => priorities.get(sliceJobId(job)),
      })) {
        result.enqueued[outcome]++;
        if (outcome === 'added' || outcome === 'requeued') capacity--;
      }
    }
    result.deferred = due.length - next;
    result.phasesMs.enqueue = Math.round(performance.now() - enqueueStarted);
    return result;
  });
  if (!planned) return { ...result, skipped: true };
  planned.durationMs = Math.round(performance.now() - started);
  planned.perMachineMs =
    deps.machines.length > 0 ? Math.round((planned.durationMs / deps.machines.length) * 100) / 100 : 0;
  return planned;
}

const CHUNK = 500;

async function backlog(queues: EtlQueues): Promise<number> {
  const counts = await queues.queue.getJobCounts('wait', 'prioritized', 'delayed');
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}
