import { type MigrationState, NOT_MIGRATED_MESSAGE } from '@mm/db';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../errors.ts';

export interface RequireMigratedOptions {
  /** Reads the state (`() => migrationState(aggDb)`); a failure (database down) is passed on. */
  check: () => Promise<MigrationState>;
  /** How long an answer is reused; short, so a `pnpm db:migrate` is noticed without a restart. */
  ttlMs?: number;
  /** Paths under the middleware that stay open (`/api/status` reports the state itself). */
  except?: readonly string[];
  now?: () => number;
}

/**
 * Answers 503 `aggregation database is not migrated: run pnpm db:migrate` while the aggregation
 * database is behind the code's migrations, instead of a 500 per query. The state is read at most
 * once per `ttlMs` (concurrent requests share one read); a failed read is not cached.
 *
 * @example
 * app.use('/api/*', requireMigrated({ check: () => migrationState(aggDb), except: ['/api/status'] }));
 */
export function requireMigrated(options: RequireMigratedOptions): MiddlewareHandler {
  const ttlMs = options.ttlMs ?? 5000;
  const now = options.now ?? Date.now;
  const except = new Set(options.except ?? []);
  let cached: { state: Promise<MigrationState>; at: number } | null = null;

  const current = (): Promise<MigrationState> => {
    if (cached && now() - cached.at < ttlMs) return cached.state;
    const entry = { state: options.check(), at: now() };
    cached = entry;
    entry.state.catch(() => {
      if (cached === entry) cached = null;
    });
    return entry.state;
  };

  return async function requireMigratedMiddleware(c, next) {
    if (except.has(c.req.path) || c.req.method === 'OPTIONS') return next();
    const state = await current();
    if (!state.migrated) throw new ApiError(503, NOT_MIGRATED_MESSAGE);
    return next();
  };
}
