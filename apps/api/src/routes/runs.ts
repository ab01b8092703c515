import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { cellStatusesWorstFirst, defaultStaleRules, etlIds, isEtlId } from '@mm/etl';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { RequestValidationError } from '../errors.ts';
import { buildGrid } from '../ledger/grid.ts';
import { ledgerFreshness, ledgerRows } from '../ledger/queries.ts';
import { resolveMachine } from '../machines.ts';
import { awareTimestamp, dateString, errorResponses, json } from '../openapi/schemas.ts';
import { formatAware } from '../time/format.ts';
import { daysInclusive } from '../time/local-date.ts';
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

/**
 * Cells (machine x ETL x day) one request may ask for. A cell is about 190 bytes of JSON, so this
 * bounds a response near 400 KB: a year of one machine fits, a year of every machine does not (that
 * was about 1 MB per request for three machines, and slowed every other endpoint while clients polled it).
 */
export const MAX_RUN_CELLS = 2000;

const route = createRoute({
  method: 'get',
  path: '/api/v2/runs',
  tags: ['v2'],
  summary: 'The run ledger as a (machine x ETL x day) status grid, with freshness',
  description: `Every cell of \`from\`..\`to\` (at most 366 days) for each ETL; all machines unless \`machine\` is given. A day’s status is its worst cell (failed, stale, missing, running, partial, complete). At most ${MAX_RUN_CELLS} cells (machines x ETLs x days) per request: a larger grid is a 422 saying how many days fit; narrow \`from\`..\`to\` or pass \`machine\`.`,
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
    checkCellLimit(machines.length, etlIds.length, daysInclusive(q.from, q.to), q.machine !== undefined);
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

// Before any query: refusing the request is the point.
function checkCellLimit(machines: number, etls: number, days: number, oneMachine: boolean): void {
  const cells = machines * etls * days;
  if (cells <= MAX_RUN_CELLS) return;
  const fit = Math.floor(MAX_RUN_CELLS / (machines * etls));
  const narrow = [
    fit > 0 ? `shorten from..to to at most ${fit} days` : null,
    oneMachine ? null : `pass machine (${Math.floor(MAX_RUN_CELLS / etls)} days fit for one machine)`,
  ].filter(Boolean);
  throw new RequestValidationError([
    {
      loc: ['query', 'to'],
      msg: `the grid would have ${cells} cells (${machines} machine${machines === 1 ? '' : 's'} x ${etls} ETLs x ${days} days), more than the ${MAX_RUN_CELLS} per request: ${narrow.join(', or ')}`,
      type: 'value_error',
    },
  ]);
}
