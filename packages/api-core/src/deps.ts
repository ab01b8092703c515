import type { Logger, Machine } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import type { StaleRules } from '@mm/etl';
import type { Kysely } from 'kysely';
import type { AnswerCache } from './answer-cache/answer-cache.ts';
import type { ApiConfig } from './api-server-env.ts';
import type { LoginThrottleOptions } from './middleware/admin-auth/index.ts';
import type { ApiQueues } from './queues/api-queues.ts';

/** What a connection pool reports (a `pg.Pool` has exactly these). */
export interface PoolUsage {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/** Something that answers a liveness ping (an ioredis client, or `ApiQueues`). */
export interface Pingable {
  ping(): Promise<unknown>;
}

/** Everything the HTTP app needs, opened by `runApi` (or the demo, or a test) and passed in. */
export interface AppDeps {
  config: Pick<ApiConfig, 'machines' | 'corsOrigins' | 'admin'>;
  /** The aggregation database (read only by these routes). */
  aggDb: Kysely<AggDatabase>;
  /** The machine's raw database, read-only; the caller creates one pool per machine, lazily, and reuses it. */
  rawDbFor: (machine: Machine) => Kysely<RawDatabase>;
  logger: Logger;
  /** Pools to report in `/metrics`, by name (`agg`, `raw:<machine>`); read at each scrape. */
  pools?: Record<string, PoolUsage>;
  /** Redis, when the API is configured to use it: then `/api/status` checks it too. */
  redis?: Pingable | null;
  /**
   * The ETL queues (Bull Board, `POST /admin/requeue`, queue gauges in `/metrics`); `null` when the
   * API runs without Redis.
   */
  queues?: ApiQueues | null;
  /** Reported by `/api/status` and the OpenAPI document. */
  version?: string;
  /** The clock of the run-ledger freshness rules (tests pin it). */
  now?: () => Date;
  /** When a partial or running slice of the run ledger counts as stale. */
  staleRules?: StaleRules;
  /** True once the process is stopping: `/readyz` then answers 503 while requests in flight finish. */
  stopping?: () => boolean;
  /** How long `/api/status`, `/readyz` and `/livez` wait for each dependency before calling it down. */
  checkTimeoutMs?: number;
  /** How long `/api/status` reuses a raw database's check (10 s unless given). */
  rawCheckTtlMs?: number;
  /** Failed admin logins per client address before a 429 (defaults: 5 in 15 minutes). */
  adminThrottle?: LoginThrottleOptions;
  /** How long the "is the aggregation database migrated" answer is reused (5 s unless given). */
  migrationCheckTtlMs?: number;
  /** The dashboard's built bundle (`apps/dashboard/build` by default); served at `/` to browsers. */
  dashboardDir?: string;
  /** Add Node's process metrics (CPU, memory, event loop) to `/metrics`; `runApi` turns it on. */
  processMetrics?: boolean;
  /**
   * Answers of the aggregate endpoints kept in memory, trusted only while a `SliceChangeListener`
   * follows the aggregation database (`runApi` starts one); without it every answer is computed.
   */
  answerCache?: AnswerCache | null;
}
