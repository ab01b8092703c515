import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PlanResult } from './plan.ts';

export interface SchedulerMetrics {
  registry: Registry;
  /** A plan ended (`skipped`: another replica's plan was running). */
  planned(result: PlanResult): void;
  /** A plan threw (aggregation database or Redis away). */
  planFailed(seconds: number): void;
}

/**
 * The scheduler's Prometheus metrics, in a registry of its own: plan durations (histogram, and the
 * last plan's phases and time per machine), plans by outcome, the last plan's due slices by reason,
 * slices queued by outcome, slices deferred by the backlog bound and machines it could not read.
 *
 * @example
 * const metrics = createSchedulerMetrics({ processMetrics: true });
 */
export function createSchedulerMetrics(options: { processMetrics?: boolean } = {}): SchedulerMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'mm_scheduler_' });
  const registers = [registry];
  const duration = new Histogram({
    name: 'mm_scheduler_plan_duration_seconds',
    help: 'Plan durations (reading every machine, the ledger, fingerprints, queueing)',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const plans = new Counter({
    name: 'mm_scheduler_plans_total',
    help: 'Plans by outcome: planned, skipped (another replica planning), failed',
    labelNames: ['outcome'] as const,
    registers,
  });
  const lastPhases = new Gauge({
    name: 'mm_scheduler_last_plan_seconds',
    help: 'The last plan: its duration in all and by phase (raw, ledger, fingerprint, enqueue)',
    labelNames: ['phase'] as const,
    registers,
  });
  const perMachine = new Gauge({
    name: 'mm_scheduler_last_plan_seconds_per_machine',
    help: 'The last plan’s duration divided by the configured machines',
    registers,
  });
  const lastPlanAt = new Gauge({
    name: 'mm_scheduler_last_plan_timestamp_seconds',
    help: 'When the last plan ended (Unix seconds)',
    registers,
  });
  const due = new Gauge({
    name: 'mm_scheduler_due_slices',
    help: 'Slices the last plan found due, by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const queued = new Counter({
    name: 'mm_scheduler_slices_total',
    help: 'Due slices by what the plan did: added, requeued, pending (already waiting), active (running), deferred (backlog full), unchanged (raw data unchanged: not re-run)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const unreadable = new Gauge({
    name: 'mm_scheduler_unreadable_machines',
    help: 'Machines whose raw database the last plan could not read',
    registers,
  });
  for (const outcome of ['planned', 'skipped', 'failed']) plans.inc({ outcome }, 0);
  return {
    registry,
    planned(result) {
      if (result.skipped) {
        plans.inc({ outcome: 'skipped' });
        return;
      }
      plans.inc({ outcome: 'planned' });
      duration.observe(result.durationMs / 1000);
      lastPhases.set({ phase: 'total' }, result.durationMs / 1000);
      for (const [phase, ms] of Object.entries(result.phasesMs)) lastPhases.set({ phase }, ms / 1000);
      perMachine.set(result.perMachineMs / 1000);
      lastPlanAt.set(Date.now() / 1000);
      for (const [reason, n] of Object.entries(result.byReason)) due.set({ reason }, n);
      for (const [outcome, n] of Object.entries(result.enqueued)) queued.inc({ outcome }, n);
      queued.inc({ outcome: 'deferred' }, result.deferred);
      queued.inc({ outcome: 'unchanged' }, result.unchanged);
      unreadable.set(result.failedMachines.length);
    },
    planFailed(seconds) {
      plans.inc({ outcome: 'failed' });
      duration.observe(seconds);
    },
  };
}
