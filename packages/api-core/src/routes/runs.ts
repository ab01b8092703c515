import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { RunGrid } from '@mm/api-contract';
import { daysInclusive } from '@mm/calendar';
import {
  type CellStatus,
  cellStatusesWorstFirst,
  defaultStaleRules,
  etlIds,
  isEtlId,
  readDataSpans,
} from '@mm/etl';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { RequestValidationError } from '../errors.ts';
import { buildGrid } from '../ledger/grid.ts';
import { ledgerFreshness, ledgerRows } from '../ledger/queries.ts';
import { resolveMachine } from '../machines.ts';
import { dataSpanSchema } from '../openapi/data-span-schema.ts';
import { awareTimestamp, dateString, errorResponses, served } from '../openapi/schemas.ts';
import { dataSpanView } from '../plant/data-span.ts';
import { formatAware } from '../time/format.ts';
import { validationHook } from '../validation/hook.ts';
import { checkDateRange, dateRangeShape, pageShape } from '../validation/params.ts';

const cellStatus = z.enum(cellStatusesWorstFirst as [CellStatus, ...CellStatus[]]).openapi({
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
    data_span: dataSpanSchema,
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
    total_machines: z
      .number()
      .int()
      .openapi({ description: 'Machines of the request (all, or the one named).' }),
    page: z.number().int(),
    page_size: z.number().int().openapi({ description: 'Machines per page.' }),
    pages: z.number().int(),
    machines: z.array(machineGrid),
  })
  .openapi('RunGrid');

/**
 * Cells (machine x ETL x day) one answer may hold. A cell is about 190 bytes of JSON, so this bounds
 * an answer near 400 KB: a year of one machine fits; more machines than fit are paged.
 */
export const MAX_RUN_CELLS = 2000;

const route = createRoute({
  method: 'get',
  path: '/api/v2/runs',
  tags: ['v2'],
  summary: 'The run ledger as a (machine x ETL x day) status grid, with freshness',
  description: `Every cell of \`from\`..\`to\` (at most 366 days) for each ETL; all machines unless \`machine\` is given, in configuration order. A day’s status is its worst cell (failed, stale, missing, running, partial, complete). At most ${MAX_RUN_CELLS} cells (machines x ETLs x days) per answer: machines are paged, \`page_size\` machines per page (by default as many as fit, all when they all fit), and a \`page_size\` that cannot fit is a 422 saying how many do. Each machine’s \`data_span\` says which days have raw data: a \`missing\` cell outside it has nothing to run on.`,
  request: {
    query: z
      .object({
        ...dateRangeShape,
        ...pageShape(
          MAX_RUN_CELLS,
          `every machine when they fit in ${MAX_RUN_CELLS} cells, else as many as fit`,
        ),
      })
      .superRefine(checkDateRange),
  },
  responses: { 200: served<RunGrid>()(grid, 'The grid.'), ...errorResponses },
});

/** `GET /api/v2/runs`: the run ledger grid. */
export function runsRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const rules = deps.staleRules ?? defaultStaleRules;
  const clock = deps.now ?? (() => new Date());

  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const all = q.machine ? [resolveMachine(deps.config.machines, q.machine)] : deps.config.machines;
    const fit = Math.floor(MAX_RUN_CELLS / (etlIds.length * daysInclusive(q.from, q.to)));
    if (q.page_size !== undefined && q.page_size > fit) {
      throw new RequestValidationError([
        {
          loc: ['query', 'page_size'],
          msg: `${q.page_size} machines x ${etlIds.length} ETLs x ${daysInclusive(q.from, q.to)} days is more than the ${MAX_RUN_CELLS} cells per answer: at most ${fit} machines per page for this range`,
          type: 'value_error',
        },
      ]);
    }
    // Without page_size: everything when it fits (as before paging existed), else as many as fit.
    const pageSize = q.page_size ?? Math.max(1, Math.min(fit, all.length));
    const page = q.page ?? 1;
    const machines = all.slice((page - 1) * pageSize, page * pageSize);
    const ids = machines.map((m) => m.id);
    // A page past the last is empty, not an error.
    const [rows, freshness, spans] =
      ids.length === 0
        ? [[], new Map(), new Map()]
        : await Promise.all([
            ledgerRows(deps.aggDb, ids, q.from, q.to),
            ledgerFreshness(deps.aggDb, ids),
            readDataSpans(deps.aggDb, ids),
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
        total_machines: all.length,
        page,
        page_size: pageSize,
        pages: Math.ceil(all.length / pageSize),
        machines: buildGrid({ machines, etls, from: q.from, to: q.to, rows, freshness, now, rules }).map(
          (grid, i) => {
            const recorded = spans.get(grid.machine);
            const span = recorded && {
              first_reading: recorded.span ? new Date(recorded.span.first) : null,
              last_reading: recorded.span ? new Date(recorded.span.last) : null,
              checked_at: recorded.checkedAt,
            };
            return { ...grid, data_span: dataSpanView(span, machines[i]?.timezone ?? 'UTC', now) };
          },
        ),
      },
      200,
    );
  });
  return app;
}
