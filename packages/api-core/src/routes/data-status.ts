import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { DataStatus, DataStatusPage } from '@mm/api-contract';
import { dataStatuses, emptyDataStatus } from '../aggregates/data-status.ts';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { resolveMachine } from '../machines.ts';
import { errorResponses, served } from '../openapi/schemas.ts';
import { validationHook } from '../validation/hook.ts';
import { machineParam, pageShape } from '../validation/params.ts';

/** Machines per page of `/api/v2/data_status`: each costs a count of its aggregate rows. */
export const defaultDataStatusPageSize = 100;
export const maxDataStatusPageSize = 1000;

const count = (what: string) =>
  z
    .number()
    .int()
    .openapi({ description: `Aggregated ${what} rows.` });
const dataStatus = z
  .object({
    first_date: z
      .string()
      .nullable()
      .openapi({ description: 'First aggregated day; null when none.', format: 'date' }),
    last_date: z
      .string()
      .nullable()
      .openapi({ description: 'Last aggregated day; null when none.', format: 'date' }),
    sensor_records: count('hourly sensor'),
    utilization_records: count('daily utilisation'),
    alert_records: count('daily alert count'),
    program_records: count('daily program'),
    energy_records: count('hourly energy'),
  })
  .openapi('DataStatus');

const route = createRoute({
  method: 'get',
  path: '/api/v1/data_status',
  tags: ['v1'],
  summary: 'What has been aggregated for the machine',
  description: 'Never empty: nulls and zeros when nothing is aggregated yet.',
  request: { query: z.object({ machine: machineParam }) },
  responses: {
    200: served<DataStatus>()(dataStatus, 'The machine’s aggregated range and row counts.'),
    ...errorResponses,
  },
});

const v2 = createRoute({
  method: 'get',
  path: '/api/v2/data_status',
  tags: ['v2'],
  summary: 'What has been aggregated, for every machine (paged)',
  description: `v1's \`data_status\` of each machine, in configuration order, ${defaultDataStatusPageSize} machines per page unless \`page_size\` says otherwise (at most ${maxDataStatusPageSize}); only \`machine\` when it is given.`,
  request: {
    query: z.object({
      machine: machineParam,
      ...pageShape(maxDataStatusPageSize, defaultDataStatusPageSize),
    }),
  },
  responses: {
    200: served<DataStatusPage>()(
      z
        .object({
          total: z
            .number()
            .int()
            .openapi({ description: 'Machines covered (all configured, or the one named).' }),
          page: z.number().int(),
          page_size: z.number().int(),
          pages: z.number().int(),
          machines: z.array(
            dataStatus
              .extend({ machine: z.string().openapi({ example: 'press-07' }) })
              .openapi('MachineDataStatus'),
          ),
        })
        .openapi('DataStatusPage'),
      'One page of machines.',
    ),
    ...errorResponses,
  },
});

/** `GET /api/v1/data_status` (one machine) and `GET /api/v2/data_status` (every machine, paged). */
export function dataStatusRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(route, async (c) => {
    const machine = resolveMachine(deps.config.machines, c.req.valid('query').machine);
    const status = (await dataStatuses(deps.aggDb, [machine.id])).get(machine.id);
    return c.json(status ?? emptyDataStatus, 200);
  });

  app.openapi(v2, async (c) => {
    const q = c.req.valid('query');
    const machines = q.machine ? [resolveMachine(deps.config.machines, q.machine)] : deps.config.machines;
    const page = q.page ?? 1;
    const pageSize = q.page_size ?? defaultDataStatusPageSize;
    const ids = machines.slice((page - 1) * pageSize, page * pageSize).map((m) => m.id);
    const statuses = await dataStatuses(deps.aggDb, ids);
    return c.json(
      {
        total: machines.length,
        page,
        page_size: pageSize,
        pages: Math.ceil(machines.length / pageSize),
        machines: ids.map((id) => ({ machine: id, ...(statuses.get(id) ?? emptyDataStatus) })),
      },
      200,
    );
  });
  return app;
}
