import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { cellStatusesWorstFirst, defaultStaleRules, etlIds, isEtlId } from '@mm/etl';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { buildGrid } from '../ledger/grid.ts';
import { ledgerFreshness, ledgerRows } from '../ledger/queries.ts';
import { resolveMachine } from '../machines.ts';
import { awareTimestamp, dateString, errorResponses, json } from '../openapi/schemas.ts';
import { formatAware } from '../time/format.ts';
import { validationHook } from '../validation/hook.ts';
import { checkDateRange, dateRangeShape } from '../validation/params.ts';

const cellStatus = z.enum(cellStatusesWorstFirst as [string, ...string[]]).openapi({
  description:
    '`complete`: succeeded on a complete day. `partial`: succeeded on a partial day, re-run later. `failed`: the last run failed. `running`: started, not finished. `missing`: never run. `stale`: a partial day whose last success finished more than `stale_rules.partial_after_seconds` ago, or a run started more than `stale_rules.running_after_seconds` ago that never finished.',
});

const cell = z
  .object({
    etl: z.string().openapi({ example: 'sensor-stats' }),
    status: cellStatus,
    started_at: awareTimestamp('Start of the latest run; null when missing.').nullable(),
    finished_at: awareTimestamp('End of the latest run; null while running or when missing.').nullable(),
    rows: z.number().int().nullable().openapi({ description: 'Aggregate rows the run wrote.' }),
    rows_read: z.number().int().nullable().openapi({ description: 'Raw rows the run read.' }),
    attempts: z.number().int().nullable(),
    error: z
      .string()
      .nullable()
      .openapi({ description: 'First line of the error (at most 200 characters).' }),
  })
  .openapi('RunCell');

const machineGrid = z
  .object({
    machine: z.string(),
    name: z.string(),
    timezone: z.string(),
    freshness: z.object({
      last_success_at: awareTimestamp('End of the latest successful run, any day.').nullable(),
      last_success_age_seconds: z.number().int().nullable(),
      last_complete_day: dateString('Latest day every ETL completed.').nullable(),
      horizon: awareTimestamp('Latest raw reading the ETLs have seen.').nullable(),
    }),
    counts: z.record(z.string(), z.number().int()).openapi({ description: 'Cells per status in the range.' }),
    days: z.array(
      z.object({
        day: dateString(),
        status: cellStatus.openapi({ description: 'The worst status of the day’s cells.' }),
        etls: z.array(cell),
      }),
    ),
  })
  .openapi('RunGridMachine');

const grid = z
  .object({
    from: dateString(),
    to: dateString(),
    generated_at: awareTimestamp('When the grid was computed (UTC).'),
    stale_rules: z.object({
      partial_after_seconds: z.number().int(),
      running_after_seconds: z.number().int(),
    }),
    etls: z.array(z.string()),
    machines: z.array(machineGrid),
  })
  .openapi('RunGrid');

const route = createRoute({
  method: 'get',
  path: '/api/v2/runs',
  tags: ['v2'],
  summary: 'The run ledger as a (machine x ETL x day) status grid, with freshness',
  description:
    'Every cell of `from`..`to` (at most 366 days) for each ETL; all machines unless `machine` is given. A day’s status is its worst cell (failed, stale, missing, running, partial, complete).',
  request: { query: z.object(dateRangeShape).superRefine(checkDateRange) },
  responses: { 200: json(grid, 'The grid.'), ...errorResponses },
});

/** `GET /api/v2/runs`: the run ledger grid. */
export function runsRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const rules = deps.staleRules ?? defaultStaleRules;
  const clock = deps.now ?? (() => new Date());

  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const machines = q.machine ? [resolveMachine(deps.config.machines, q.machine)] : deps.config.machines;
    const ids = machines.map((m) => m.id);
    const [rows, freshness] = await Promise.all([
      ledgerRows(deps.aggDb, ids, q.from, q.to),
      ledgerFreshness(deps.aggDb, ids),
    ]);
    const now = clock();
    const extraEtls = [...new Set(rows.map((r) => r.etl))].filter((e) => !isEtlId(e));
    const etls = [...etlIds, ...extraEtls.sort()];
    return c.json(
      {
        from: q.from,
        to: q.to,
        generated_at: formatAware(now, 'UTC'),
        stale_rules: {
          partial_after_seconds: Math.round(rules.partialAfterMs / 1000),
          running_after_seconds: Math.round(rules.runningAfterMs / 1000),
        },
        etls,
        machines: buildGrid({ machines, etls, from: q.from, to: q.to, rows, freshness, now, rules }),
      },
      200,
    );
  });
  return app;
}
