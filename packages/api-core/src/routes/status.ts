import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Status } from '@mm/api-contract';
import type { Machine } from '@mm/config';
import type { RawDatabase } from '@mm/db';
import { migrationState, NOT_MIGRATED_MESSAGE } from '@mm/db';
import { type Kysely, sql } from 'kysely';
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
        '`connected`, which databases are unreachable or lack the raw schema, or `aggregation database is not migrated: run pnpm db:migrate`.',
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
    "Checks the aggregation database (reachable and migrated), the raw databases (reachable and with the raw schema: every machine's, or only `machine`'s when given; each answer kept for a few seconds) and (only when the API is configured with it) Redis; 503 with the same body when one is down or the aggregation database is not migrated.",
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

// The raw schema's tables, as the ETLs read them: a database without them answers `select 1` and then
// every raw endpoint with a 500.
const rawTables = ['variable', 'variable_log_float', 'variable_log_string'];

/** Machines whose raw databases are checked at once, so a plant of hundreds does not open hundreds. */
const RAW_CHECK_CONCURRENCY = 4;

type RawProbe = Probe<unknown> | { state: 'no_schema'; reason: string };

async function probeRaw(db: Kysely<RawDatabase>, timeoutMs: number): Promise<RawProbe> {
  const probe = await check(
    () =>
      sql<{ n: number }>`select count(*)::int as n from unnest(${rawTables}::text[]) as t(name)
        where to_regclass(t.name) is not null`.execute(db),
    timeoutMs,
  );
  if (probe.state === 'down') return probe;
  const found = (probe.value as { rows: Array<{ n: number }> }).rows[0]?.n ?? 0;
  return found === rawTables.length
    ? probe
    : { state: 'no_schema', reason: `the raw schema's tables (${rawTables.join(', ')}) are missing` };
}

/** Runs `task` over `items`, at most `limit` at once, keeping their order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i] as T);
    }
  });
  await Promise.all(lanes);
  return out;
}

/**
 * `GET /api/status`. With `machine`, that machine's raw database; without, every machine's (at most
 * {@link RAW_CHECK_CONCURRENCY} at once), each answer reused for `rawCheckTtlMs` so a status page
 * polled by many clients costs the plant's databases one check per machine per period. A raw
 * database counts as up only when it answers and has the raw schema's tables.
 */
export function statusRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const timeoutMs = deps.checkTimeoutMs ?? 2000;
  const ttlMs = deps.rawCheckTtlMs ?? 10_000;
  const version = deps.version ?? '0.0.0';
  const recent = new Map<string, { at: number; probe: Promise<RawProbe> }>();
  const rawState = (machine: Machine): Promise<RawProbe> => {
    const now = Date.now();
    const kept = recent.get(machine.id);
    if (kept && now - kept.at < ttlMs) return kept.probe;
    const probe = probeRaw(deps.rawDbFor(machine), timeoutMs);
    recent.set(machine.id, { at: now, probe });
    return probe;
  };

  app.openapi(route, async (c) => {
    const asked = c.req.valid('query').machine;
    const machines =
      asked === undefined ? deps.config.machines : [resolveMachine(deps.config.machines, asked)];
    const redis = deps.redis;
    const [aggregation, raws, redisProbe] = await Promise.all([
      // One query: reachable, and whether every migration of the code is applied.
      check(() => migrationState(deps.aggDb), timeoutMs),
      mapLimited(machines, RAW_CHECK_CONCURRENCY, rawState),
      redis ? check(() => redis.ping(), timeoutMs) : Promise.resolve(undefined),
    ]);
    const notMigrated = aggregation.state === 'ok' && !aggregation.value.migrated;
    const label = (i: number) => `raw database of machine '${machines[i]?.id}'`;
    const unreachable = [
      ...(aggregation.state === 'down' ? ['aggregation database'] : []),
      ...raws.flatMap((probe, i) => (probe.state === 'down' ? [label(i)] : [])),
    ];
    const schemaless = raws.flatMap((probe, i) => (probe.state === 'no_schema' ? [label(i)] : []));
    const rawOk = raws.every((probe) => probe.state === 'ok');
    const ok =
      unreachable.length === 0 && schemaless.length === 0 && !notMigrated && redisProbe?.state !== 'down';
    const checks = {
      aggregation_db: notMigrated ? ('not_migrated' as const) : aggregation.state,
      raw_db: rawOk ? ('ok' as const) : ('down' as const),
      ...(redisProbe ? { redis: redisProbe.state } : {}),
    };
    if (!ok) {
      const reasons = {
        ...(aggregation.state === 'down' ? { aggregation_db: aggregation.reason } : {}),
        ...Object.fromEntries(
          raws.flatMap((probe, i) =>
            probe.state === 'ok' ? [] : [[`raw_db:${machines[i]?.id}`, probe.reason]],
          ),
        ),
        ...(redisProbe?.state === 'down' ? { redis: redisProbe.reason } : {}),
      };
      c.get('logger').warn({ checks, reasons }, 'status check failed');
    }
    const problems = [
      ...(unreachable.length > 0 ? [`unreachable: ${unreachable.join(', ')}`] : []),
      ...(schemaless.length > 0 ? [`without the raw schema: ${schemaless.join(', ')}`] : []),
    ];
    const body = {
      status: ok ? ('ok' as const) : ('unavailable' as const),
      database: problems.length > 0 ? problems.join('; ') : notMigrated ? NOT_MIGRATED_MESSAGE : 'connected',
      version,
      checks,
    };
    return ok ? c.json(body, 200) : c.json(body, 503);
  });
  return app;
}
