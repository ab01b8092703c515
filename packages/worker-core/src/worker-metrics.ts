import type { RawPools } from '@mm/db';
import { etlIds } from '@mm/etl';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How a job attempt ended. */
export type JobOutcome = 'completed' | 'retrying' | 'failed' | 'deferred' | 'busy' | 'superseded';

export interface WorkerMetrics {
  registry: Registry;
  /** A job began running (it holds a machine slot). */
  jobStarted(etl: string): void;
  /**
   * A running job ended: `busy` (another run held the slice's lock: back to the queue) and
   * `superseded` (a newer run of the slice started elsewhere: result dropped, job completed) are
   * also counted on their own counters.
   */
  jobEnded(etl: string, outcome: Exclude<JobOutcome, 'deferred'>, seconds: number): void;
  /** A job went back to the queue without running (no free slot on its machine). */
  jobDeferred(etl: string): void;
}

/**
 * The worker's Prometheus metrics, in a registry of its own: job durations and outcomes by ETL
 * (`completed`; `retrying`: an attempt failed and BullMQ will retry it; `failed`: no attempt left or
 * unrecoverable; `deferred`: its machine had no free slot, so it went back to the queue; `busy`: another
 * run held the slice's lock, so it went back to the queue; `superseded`: a newer run of the slice
 * started elsewhere, so its result was dropped), `mm_worker_slices_busy_total` and
 * `mm_worker_slices_superseded_total` by ETL, jobs
 * running now by ETL, and with `rawPools` its raw connections (`open`, `busy`) and open pools.
 *
 * @example
 * const metrics = createWorkerMetrics({ processMetrics: true, rawPools: raws });
 */
export function createWorkerMetrics(
  options: {
    processMetrics?: boolean;
    rawPools?: Pick<RawPools, 'openConnections' | 'busyConnections' | 'openPools'>;
  } = {},
): WorkerMetrics {
  const registry = new Registry();
  // The event-loop lag is sampled every 100 ms, not prom-client's 10 ms: the sampling timer wakes the
  // process every period, idle or not, and those wake-ups take CPU from the jobs on a small host. A
  // stall still delays the pending sample, so the lag's maximum and percentiles still show it.
  if (options.processMetrics)
    collectDefaultMetrics({ register: registry, prefix: 'mm_worker_', eventLoopMonitoringPrecision: 100 });
  const raws = options.rawPools;
  if (raws) {
    new Gauge({
      name: 'mm_worker_raw_connections',
      help: 'Raw database connections of this worker, all raw databases together: open (busy or idle), busy',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        this.set({ state: 'open' }, raws.openConnections);
        this.set({ state: 'busy' }, raws.busyConnections);
      },
    });
    new Gauge({
      name: 'mm_worker_raw_pools',
      help: 'Raw database pools this worker holds open',
      registers: [registry],
      collect() {
        this.set(raws.openPools);
      },
    });
  }
  const duration = new Histogram({
    name: 'mm_worker_job_duration_seconds',
    help: 'ETL job duration by ETL and outcome',
    labelNames: ['etl', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const outcomes = new Counter({
    name: 'mm_worker_jobs_total',
    help: 'ETL job attempts by ETL and outcome',
    labelNames: ['etl', 'outcome'] as const,
    registers: [registry],
  });
  const active = new Gauge({
    name: 'mm_worker_active_jobs',
    help: 'ETL jobs running in this worker now, by ETL',
    labelNames: ['etl'] as const,
    registers: [registry],
  });
  const busy = new Counter({
    name: 'mm_worker_slices_busy_total',
    help: "Slice runs that found the slice's lock held by another run past the wait allowed, and went back to the queue, by ETL",
    labelNames: ['etl'] as const,
    registers: [registry],
  });
  const superseded = new Counter({
    name: 'mm_worker_slices_superseded_total',
    help: 'Slice runs whose result was refused because a newer run of the slice started elsewhere, by ETL',
    labelNames: ['etl'] as const,
    registers: [registry],
  });
  for (const etl of etlIds) {
    active.set({ etl }, 0);
    busy.inc({ etl }, 0);
    superseded.inc({ etl }, 0);
  }
  return {
    registry,
    jobStarted: (etl) => active.inc({ etl }),
    jobEnded(etl, outcome, seconds) {
      active.dec({ etl });
      outcomes.inc({ etl, outcome });
      duration.observe({ etl, outcome }, seconds);
      if (outcome === 'busy') busy.inc({ etl });
      if (outcome === 'superseded') superseded.inc({ etl });
    },
    jobDeferred: (etl) => outcomes.inc({ etl, outcome: 'deferred' }),
  };
}
