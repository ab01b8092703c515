import { Checks } from '@mm/service';
import { Hono } from 'hono';
import { sql } from 'kysely';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';

/**
 * `GET /readyz` and `GET /livez`, for orchestrators (not in the OpenAPI document: no dashboard reads
 * them). Ready: the aggregation database answers, Redis too when the API uses it, and the process is
 * not stopping; a raw database of one machine is not part of it (`/api/status` reports those), since
 * taking the API out of a load balancer would not bring that machine back. Live: the process answers.
 * An outage of a dependency never fails liveness, so it never gets a healthy API restarted.
 *
 * @example
 * app.route('/', probeRoutes(deps));
 */
export function probeRoutes(deps: AppDeps): Hono<AppEnv> {
  const readiness = new Checks(deps.checkTimeoutMs ?? 2000)
    .add('stopping', () => !(deps.stopping?.() ?? false))
    .add('aggregation_db', () => sql`select 1`.execute(deps.aggDb));
  const redis = deps.redis;
  if (redis) readiness.add('redis', () => redis.ping());
  const liveness = new Checks().add('process', () => true);
  const app = new Hono<AppEnv>();
  for (const [path, checks] of [
    ['/readyz', readiness],
    ['/livez', liveness],
  ] as const) {
    app.get(path, async (c) => {
      const verdict = await checks.evaluate();
      const body = { status: verdict.ok ? 'ok' : 'unavailable', checks: verdict.checks };
      return verdict.ok ? c.json(body, 200) : c.json(body, 503);
    });
  }
  return app;
}
