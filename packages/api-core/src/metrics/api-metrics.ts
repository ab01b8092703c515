import type { Logger } from '@mm/config';
import type { AggDatabase } from '@mm/db';
import type { StaleRules } from '@mm/etl';
import type { Kysely } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AnswerCache } from '../answer-cache/answer-cache.ts';
import type { PoolUsage } from '../deps.ts';
import { troubledDays } from '../ledger/queries.ts';
import type { ApiQueues } from '../queues/api-queues.ts';
import { registerAnswerCacheMetrics } from './answer-cache-metrics.ts';
import { registerQueueMetrics } from './queue-metrics.ts';

export interface ApiMetrics {
  /** This app's own registry (never prom-client's global one, so apps and tests do not collide). */
  registry: Registry;
  observeRequest(sample: { method: string; route: string; status: number; seconds: number }): void;
}

/**
 * The API's Prometheus metrics: request duration by route pattern and status, responses by status,
 * connection pool usage, the run ledger's failed and stale days per machine (computed from the
 * aggregation database at each scrape; a scrape with the database down omits them), when the API
 * uses Redis, the ETL queues' job counts and oldest waiting job, and, when it keeps answers in
 * memory, the answer cache's hit rate and size.
 *
 * @example
 * const metrics = createApiMetrics({ aggDb, machineIds: ['press-07'], pools: { agg: pool }, logger, now, rules });
 */
export function createApiMetrics(options: {
  aggDb: Kysely<AggDatabase>;
  machineIds: readonly string[];
  pools: Record<string, PoolUsage>;
  logger: Logger;
  now: () => Date;
  rules: StaleRules;
  processMetrics?: boolean;
  /** The ETL queues, when the API uses Redis: their gauges are added (see `registerQueueMetrics`). */
  queues?: ApiQueues | null;
  /** The answer cache, when the API keeps one: its hit rate and size (see `registerAnswerCacheMetrics`). */
  answerCache?: AnswerCache | null;
}): ApiMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'mm_api_' });

  const duration = new Histogram({
    name: 'mm_api_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const responses = new Counter({
    name: 'mm_api_http_responses_total',
    help: 'HTTP responses by status code',
    labelNames: ['status'] as const,
    registers: [registry],
  });

  new Gauge({
    name: 'mm_api_db_pool_connections',
    help: 'Database pool connections: total, idle, and requests waiting for one',
    labelNames: ['pool', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [name, pool] of Object.entries(options.pools)) {
        this.set({ pool: name, state: 'total' }, pool.totalCount);
        this.set({ pool: name, state: 'idle' }, pool.idleCount);
        this.set({ pool: name, state: 'waiting' }, pool.waitingCount);
      }
    },
  });

  // Both ledger gauges read one query per scrape (they are collected concurrently).
  let ledgerRead: {
    at: number;
    result: Promise<Map<string, { failed: number; stale: number }> | null>;
  } | null = null;
  const readLedger = () => {
    const at = Date.now();
    if (!ledgerRead || at - ledgerRead.at > 1000) {
      const result = troubledDays(options.aggDb, options.now(), options.rules).catch((error: unknown) => {
        options.logger.warn({ err: error }, 'metrics: cannot read the run ledger');
        return null;
      });
      ledgerRead = { at, result };
    }
    return ledgerRead.result;
  };

  new Gauge({
    name: 'mm_api_ledger_scrape_ok',
    help: '1 when the run ledger could be read at this scrape, else 0',
    registers: [registry],
    async collect() {
      this.set((await readLedger()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'mm_etl_ledger_days',
    help: 'Days with at least one failed (or stale) ETL slice in the run ledger, per machine',
    labelNames: ['machine', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const days = await readLedger();
      if (!days) return;
      for (const id of new Set([...options.machineIds, ...days.keys()])) {
        const d = days.get(id);
        this.set({ machine: id, status: 'failed' }, d?.failed ?? 0);
        this.set({ machine: id, status: 'stale' }, d?.stale ?? 0);
      }
    },
  });

  if (options.queues) {
    // Job ages are real time, not the ledger rules' clock (which tests pin to a past day).
    registerQueueMetrics(registry, { queues: options.queues, now: Date.now });
  }
  if (options.answerCache) registerAnswerCacheMetrics(registry, options.answerCache);

  return {
    registry,
    observeRequest({ method, route, status, seconds }) {
      duration.observe({ method, route, status: String(status) }, seconds);
      responses.inc({ status: String(status) });
    },
  };
}
