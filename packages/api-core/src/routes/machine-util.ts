import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MachineUtilDay, MachineUtilDayRanged } from '@mm/api-contract';
import { dayHours, dayShares } from '../aggregates/day-shares.ts';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { resolveMachine } from '../machines.ts';
import { dateString, errorResponses, served } from '../openapi/schemas.ts';
import { validationHook } from '../validation/hook.ts';
import { checkDateRange, dateParam, dateRangeShape, machineParam } from '../validation/params.ts';

const hours = (description: string) =>
  z.number().openapi({ description: `${description}, hours (2 decimals).` });
const utilDay = z
  .object({
    dt: dateString(),
    state_running: hours('Running'),
    state_planned_down: hours('Planned down (off or unknown)'),
    running_percentage: z.number().openapi({ description: 'Running / day length x 100, 2 decimals.' }),
    down_percentage: z.number().openapi({ description: 'Planned down / day length x 100, 2 decimals.' }),
    state_unplanned_down: hours('Unplanned down (powered but idle)'),
    day_hours: hours('Length of the local day (23, 24 or 25)'),
  })
  .openapi('MachineUtilDay');
const fourStates = (unit: string) =>
  z.object({
    running: z.number().openapi({ description: `Running, ${unit}.` }),
    idle: z.number().openapi({ description: `Powered but idle (unplanned down), ${unit}.` }),
    off: z.number().openapi({ description: `Off (planned down), ${unit}.` }),
    unknown: z.number().openapi({ description: `After the data horizon (not known yet), ${unit}.` }),
  });
const utilDayRanged = utilDay
  .extend({
    shares: fourStates('percent of the full day').openapi({
      description:
        'Every share of the day from its seconds, rounded once to 2 decimals (halves away from zero): `running` and `off` equal `running_percentage` and `down_percentage`; the four add up to 100 within rounding.',
    }),
    hours: fourStates('hours').openapi({
      description: 'The same in hours, rounded like the v1 hours (the first three equal them).',
    }),
  })
  .openapi('MachineUtilDayRanged');

const v1 = createRoute({
  method: 'get',
  path: '/api/v1/machine_util',
  tags: ['v1'],
  summary: 'Utilisation of one day',
  description: 'A list of 0 or 1 day; 404 when the day has not been aggregated.',
  request: { query: z.object({ target_date: dateParam('The local day.'), machine: machineParam }) },
  responses: { 200: served<MachineUtilDay[]>()(z.array(utilDay), 'The day.'), ...errorResponses },
});

const v2 = createRoute({
  method: 'get',
  path: '/api/v2/machine_util',
  tags: ['v2'],
  summary: 'Utilisation of a range of days',
  description:
    'The aggregated days of `from`..`to`, `dt` ascending, each with its `shares` of the day; `[]` when none.',
  request: { query: z.object(dateRangeShape).superRefine(checkDateRange) },
  responses: {
    200: served<MachineUtilDayRanged[]>()(z.array(utilDayRanged), 'The days, `dt` ascending.'),
    ...errorResponses,
  },
});

/** `GET /api/v1/machine_util` and `GET /api/v2/machine_util`. */
export function machineUtilRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  const days = (machineId: string, from: string, to: string) =>
    deps.aggDb
      .selectFrom('agg_machine_activity_daily as a')
      .select([
        'a.day as dt',
        'a.state_running',
        'a.state_planned_down',
        'a.running_percentage',
        'a.down_percentage',
        'a.state_unplanned_down',
        'a.day_hours',
      ])
      .where('a.machine_id', '=', machineId)
      .where('a.day', '>=', from)
      .where('a.day', '<=', to)
      .orderBy('a.day');

  app.openapi(v1, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    const rows = await days(machine.id, q.target_date, q.target_date).execute();
    if (rows.length === 0) throw new ApiError(404, `No utilization data found for ${q.target_date}`);
    return c.json(rows, 200);
  });

  app.openapi(v2, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    const rows = await days(machine.id, q.from, q.to)
      .select([dayShares('a').as('shares'), dayHours('a').as('hours')])
      .execute();
    return c.json(rows, 200);
  });

  return app;
}
