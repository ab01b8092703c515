import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { resolveMachine } from '../machines.ts';
import { errorResponses, json } from '../openapi/schemas.ts';
import { validationHook } from '../validation/hook.ts';
import { machineParam } from '../validation/params.ts';

const checkState = z.enum(['ok', 'down']);
const statusBody = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    database: z.string().openapi({
      description: '`connected`, or which database is unreachable.',
      example: 'connected',
    }),
    version: z.string().openapi({ example: '0.1.0' }),
    checks: z
      .object({
        aggregation_db: checkState,
        raw_db: checkState,
        redis: checkState.optional().openapi({ description: 'Present only when the API uses Redis.' }),
      })
      .openapi({ description: 'Each dependency checked.' }),
  })
  .openapi('Status');

const route = createRoute({
  method: 'get',
  path: '/api/status',
  tags: ['v1'],
  summary: 'Health of the API and its dependencies',
  description:
    "Checks the aggregation database, the machine's raw database and (only when the API is configured with it) Redis; 503 with the same body when one is down.",
  request: { query: z.object({ machine: machineParam }) },
  responses: {
    200: json(statusBody, 'Everything answers.'),
    503: json(statusBody, 'A dependency is down: `database` and `checks` say which.'),
    404: errorResponses[404],
    422: errorResponses[422],
  },
});

async function check(probe: () => Promise<unknown>, timeoutMs: number): Promise<'ok' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'down'>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs);
  });
  try {
    return await Promise.race([probe().then(() => 'ok' as const), timeout]);
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /api/status`. */
export function statusRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const timeoutMs = deps.checkTimeoutMs ?? 2000;
  const version = deps.version ?? '0.0.0';

  app.openapi(route, async (c) => {
    const machine = resolveMachine(deps.config.machines, c.req.valid('query').machine);
    const redis = deps.redis;
    const [aggregation, raw, redisState] = await Promise.all([
      check(() => sql`select 1`.execute(deps.aggDb), timeoutMs),
      check(() => sql`select 1`.execute(deps.rawDbFor(machine)), timeoutMs),
      redis ? check(() => redis.ping(), timeoutMs) : Promise.resolve(undefined),
    ]);
    const down = [
      aggregation === 'down' ? 'aggregation database' : null,
      raw === 'down' ? `raw database of machine '${machine.id}'` : null,
    ].filter((d): d is string => d !== null);
    const ok = down.length === 0 && redisState !== 'down';
    const checks = { aggregation_db: aggregation, raw_db: raw, ...(redisState ? { redis: redisState } : {}) };
    if (!ok) c.get('logger').warn({ checks }, 'status check failed');
    const body = {
      status: ok ? ('ok' as const) : ('unavailable' as const),
      database: down.length === 0 ? 'connected' : `unreachable: ${down.join(', ')}`,
      version,
      checks,
    };
    return ok ? c.json(body, 200) : c.json(body, 503);
  });
  return app;
}
