import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { EnergyHour, EnergyHourRanged } from '@mm/api-contract';
import type { AppEnv } from '../app-env.ts';
import { naiveLocal } from '../db/sql-time.ts';
import type { AppDeps } from '../deps.ts';
import { resolveMachine } from '../machines.ts';
import { awareTimestamp, errorResponses, naiveTimestamp, served } from '../openapi/schemas.ts';
import { formatAware, trimZeroFraction } from '../time/format.ts';
import { validationHook } from '../validation/hook.ts';
import { checkDateRange, dateParam, dateRangeShape, machineParam } from '../validation/params.ts';

const hourFields = {
  hour_ts: naiveTimestamp('Start of the hour.'),
  energy_kwh: z.number().openapi({ description: 'Energy of the motors in the hour, kWh, unrounded.' }),
};
const energyHour = z.object(hourFields).openapi('EnergyHour');
const energyHourRanged = z
  .object({ ...hourFields, ts: awareTimestamp('Start of the hour, unambiguous.') })
  .openapi('EnergyHourRanged');

const v1 = createRoute({
  method: 'get',
  path: '/api/v1/energy_consumption',
  tags: ['v1'],
  summary: 'Hourly energy of one day',
  description: 'The hours of `target_date` with a motor reading, ordered by instant; `[]` when none.',
  request: { query: z.object({ target_date: dateParam('The local day.'), machine: machineParam }) },
  responses: {
    200: served<EnergyHour[]>()(z.array(energyHour), '`hour_ts` ascending (by instant).'),
    ...errorResponses,
  },
});

const v2 = createRoute({
  method: 'get',
  path: '/api/v2/energy_consumption',
  tags: ['v2'],
  summary: 'Hourly energy of a range of days',
  description: 'Like `/api/v1/energy_consumption` over `from`..`to`, plus an aware `ts`.',
  request: { query: z.object(dateRangeShape).superRefine(checkDateRange) },
  responses: {
    200: served<EnergyHourRanged[]>()(z.array(energyHourRanged), 'By instant.'),
    ...errorResponses,
  },
});

/** `GET /api/v1/energy_consumption` and `GET /api/v2/energy_consumption`. */
export function energyRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  const hours = (machineId: string, zone: string, from: string, to: string) =>
    deps.aggDb
      .selectFrom('energy_consumption_hourly')
      .select([naiveLocal('hour_ts', zone).as('local'), 'energy_kwh'])
      .where('machine_id', '=', machineId)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .orderBy('hour_ts');

  app.openapi(v1, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    const rows = await hours(machine.id, machine.timezone, q.target_date, q.target_date).execute();
    return c.json(
      rows.map((r) => ({ hour_ts: trimZeroFraction(r.local), energy_kwh: r.energy_kwh })),
      200,
    );
  });

  app.openapi(v2, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    const rows = await hours(machine.id, machine.timezone, q.from, q.to)
      .select('hour_ts as instant')
      .execute();
    return c.json(
      rows.map((r) => ({
        hour_ts: trimZeroFraction(r.local),
        ts: formatAware(r.instant, machine.timezone),
        energy_kwh: r.energy_kwh,
      })),
      200,
    );
  });

  return app;
}
