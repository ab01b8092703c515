import { type Readiness, type ReadinessCheck, startReadiness } from '@mm/queue';
import { Hono } from 'hono';
import { sql } from 'kysely';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';

/**
 * `GET /readyz` and `GET /livez`, for orchestrators (not in the OpenAPI document: no dashboard reads
 * them), in the worker's and scheduler's shapes. Ready: the aggregation database answers, Redis too
 * when the API uses it (`@mm/queue`'s prober, started by the first probe), and the process is not
 * stopping. A raw database of one machine is not part of it (`/api/status` reports those): taking the
 * API out of a load balancer would not bring that machine back. Live: the process answers, whatever
 * its dependencies do, so an outage never gets a healthy API restarted.
 *
 * @example
 * app.route('/', probeRoutes(deps));
 */
export function probeRoutes(deps: AppDeps): Hono<AppEnv> {
  const timeoutMs = deps.checkTimeoutMs ?? 2000;
  const checks: ReadinessCheck[] = [
    { name: 'aggregation database', probe: () => sql`select 1`.execute(deps.aggDb) },
  ];
  const redis = deps.redis;
  if (redis) checks.push({ name: 'redis', probe: () => redis.ping() });
  let prober: Readiness | null = null;
  const app = new Hono<AppEnv>();
  app.get('/readyz', async (c) => {
    if (!prober) {
      prober = startReadiness({
        checks,
        timeoutMs,
        onChange: (dependency, reason) =>
          reason === null
            ? deps.logger.info({ dependency }, 'dependency answers again')
            : deps.logger.warn({ dependency, reason }, 'dependency does not answer: not ready'),
      });
      // The first probes are under way: answer from them rather than from "not probed yet".
      await firstAnswers(prober, timeoutMs);
    }
    const state = prober.state();
    const reasons = deps.stopping?.() ? [...state.reasons, 'api: stopping'] : state.reasons;
    return reasons.length === 0
      ? c.json({ status: 'ready' }, 200)
      : c.json({ status: 'not ready', reasons }, 503);
  });
  app.get('/livez', (c) => c.json({ status: 'alive' }, 200));
  return app;
}

async function firstAnswers(prober: Readiness, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs + 100;
  while (prober.state().reasons.some((r) => r.endsWith('not probed yet')) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
