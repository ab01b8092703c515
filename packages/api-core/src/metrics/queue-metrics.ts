import { Gauge, type Registry } from 'prom-client';
import type { ApiQueues } from '../queues/api-queues.ts';

const states = ['waiting', 'active', 'delayed', 'failed'] as const;

interface QueueSample {
  counts: Record<(typeof states)[number], number>;
  /** Age of the oldest waiting job in seconds; null when nothing waits. */
  oldestWaitingSeconds: number | null;
}

/**
 * Registers the ETL queues' gauges, read from Redis at scrape time: jobs per queue and state
 * (`mm_queue_jobs`), the oldest waiting job's age (`mm_queue_oldest_waiting_age_seconds`) and
 * `mm_queue_scrape_ok`. When Redis is down or slower than `timeoutMs`, the job gauges are absent from
 * that scrape and `mm_queue_scrape_ok` is 0: the scrape itself still succeeds, and nothing stale is
 * reported as current.
 *
 * @example
 * registerQueueMetrics(registry, { queues, now: () => Date.now(), timeoutMs: 1000 });
 */
export function registerQueueMetrics(
  registry: Registry,
  options: { queues: ApiQueues; now: () => number; timeoutMs?: number },
): void {
  const timeoutMs = options.timeoutMs ?? 1000;
  // The gauges are collected concurrently: they share one read per scrape.
  let read: { at: number; result: Promise<Map<string, QueueSample> | null> } | null = null;
  const sample = () => {
    const at = Date.now();
    if (!read || at - read.at > 500)
      read = { at, result: readQueues(options.queues, options.now, timeoutMs) };
    return read.result;
  };

  new Gauge({
    name: 'mm_queue_scrape_ok',
    help: '1 when the ETL queues could be read from Redis at this scrape, else 0 (the queue gauges are then absent)',
    registers: [registry],
    async collect() {
      this.set((await sample()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'mm_queue_jobs',
    help: 'Jobs of the ETL queue by state (waiting includes prioritized jobs)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const queues = await sample();
      for (const [queue, s] of queues ?? []) {
        for (const state of states) this.set({ queue, state }, s.counts[state]);
      }
    },
  });
  new Gauge({
    name: 'mm_queue_oldest_waiting_age_seconds',
    help: 'Seconds since the oldest waiting job of each ETL queue was queued (0 when none waits)',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const queues = await sample();
      for (const [queue, s] of queues ?? []) this.set({ queue }, s.oldestWaitingSeconds ?? 0);
    },
  });
}

async function readQueues(
  queues: ApiQueues,
  now: () => number,
  timeoutMs: number,
): Promise<Map<string, QueueSample> | null> {
  // A queue command waits while Redis has never been reached: do not even start one then.
  if (!queues.ready()) return null;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  const read = Promise.all(
    queues.etl.all().map(async (queue): Promise<[string, QueueSample]> => {
      const [counts, newest, oldest] = await Promise.all([
        queue.getJobCounts(...states, 'prioritized'),
        // Both ends of the wait list and of the prioritized set (ordered by priority, where the
        // least urgent job is the one that waits longest): the oldest waiting job is among them.
        queue.getJobs(['waiting', 'prioritized'], 0, 0, false),
        queue.getJobs(['waiting', 'prioritized'], 0, 0, true),
      ]);
      const stamps = [...newest, ...oldest].map((job) => job?.timestamp).filter((t) => typeof t === 'number');
      const first = stamps.length > 0 ? Math.min(...stamps) : null;
      return [
        queue.name,
        {
          // A prioritized job waits too (BullMQ lists it apart).
          counts: Object.fromEntries(
            states.map((s) => [s, (counts[s] ?? 0) + (s === 'waiting' ? (counts.prioritized ?? 0) : 0)]),
          ) as QueueSample['counts'],
          oldestWaitingSeconds: first === null ? null : Math.max(0, (now() - first) / 1000),
        },
      ];
    }),
  )
    .then((entries) => new Map(entries))
    .catch(() => null); // the outage itself is logged once by the connection (openApiQueues)
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
