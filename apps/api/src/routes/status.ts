import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Status } from '@mm/api-contract';
import { migrationState, NOT_MIGRATED_MESSAGE } from '@mm/db';
import { sql } from 'kysely';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { resolveMachine } from '../machines.ts';
import { errorResponses, served } from '../openapi/schemas.ts';
import { validationHook } from '../validation/hook.ts';
import { machineParam } from '../validation/params.ts';

const checkState = z.enum(['ok', 'down']);
const statusBody = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    database: z.string().openapi({
      description:
        '`connected`, which database is unreachable, or `aggregation database is not migrated: run pnpm db:migrate`.',
      example: 'connected',
    }),
    version: z.string().openapi({ example: '0.1.0' }),
    checks: z
      .object({
        aggregation_db: z.enum(['ok', 'down', 'not_migrated']).openapi({
          description: '`not_migrated`: reachable, but behind the code’s migrations.',
        }),
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
    "Checks the aggregation database (reachable and migrated), the machine's raw database and (only when the API is configured with it) Redis; 503 with the same body when one is down or the aggregation database is not migrated.",
  request: { query: z.object({ machine: machineParam }) },
  responses: {
    200: served<Status>()(statusBody, 'Everything answers.'),
    503: served<Status>()(statusBody, 'A dependency is down: `database` and `checks` say which.'),
    404: errorResponses[404],
    422: errorResponses[422],
  },
});

type Probe<T> = { state: 'ok'; value: T } | { state: 'down'; reason: string };

// Never throws: a failure or a timeout is 'down', with the reason for the log (not the response).
async function check<T>(probe: () => Promise<T>, timeoutMs: number): Promise<Probe<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Probe<T>>((resolve) => {
    timer = setTimeout(
      () => resolve({ state: 'down', reason: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([probe().then((value) => ({ state: 'ok' as const, value })), timeout]);
  } catch (error) {
    return { state: 'down', reason: error instanceof Error ? error.message : String(error) };
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
    const [aggregation, raw, redisProbe] = await Promise.all([
      // One query: reachable, and whether every migration of the code is applied.
      check(() => migrationState(deps.aggDb), timeoutMs),
      check(() => sql`select 1`.execute(deps.rawDbFor(machine)), timeoutMs),
      redis ? check(() => redis.ping(), timeoutMs) : Promise.resolve(undefined),
    ]);
    const notMigrated = aggregation.state === 'ok' && !aggregation.value.migrated;
    const down = [
      aggregation.state === 'down' ? 'aggregation database' : null,
      raw.state === 'down' ? `raw database of machine '${machine.id}'` : null,
    ].filter((d): d is string => d !== null);
    const ok = down.length === 0 && !notMigrated && redisProbe?.state !== 'down';
    const checks = {
      aggregation_db: notMigrated ? ('not_migrated' as const) : aggregation.state,
      raw_db: raw.state,
      ...(redisProbe ? { redis: redisProbe.state } : {}),
    };
    if (!ok) {
      const reasons = Object.fromEntries(
        Object.entries({ aggregation_db: aggregation, raw_db: raw, redis: redisProbe })
          .map(([name, probe]) => [name, probe?.state === 'down' ? probe.reason : undefined] as const)
          .filter(([, reason]) => reason !== undefined),
      );
      c.get('logger').warn({ checks, reasons }, 'status check failed');
    }
    const body = {
      status: ok ? ('ok' as const) : ('unavailable' as const),
      database:
        down.length > 0
          ? `unreachable: ${down.join(', ')}`
          : notMigrated
            ? NOT_MIGRATED_MESSAGE
            : 'connected',
      version,
      checks,
    };
    return ok ? c.json(body, 200) : c.json(body, 503);
  });
  return app;
}
