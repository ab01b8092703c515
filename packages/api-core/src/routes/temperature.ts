import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { TemperatureHour, TemperatureHourRanged } from '@mm/api-contract';
import type { AppEnv } from '../app-env.ts';
import { naiveLocal } from '../db/sql-time.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { resolveMachine, resolveSensor } from '../machines.ts';
import { awareTimestamp, errorResponses, naiveTimestamp, served } from '../openapi/schemas.ts';
import { formatAware, trimZeroFraction } from '../time/format.ts';
import { validationHook } from '../validation/hook.ts';
import {
  checkDateRange,
  dateParam,
  dateRangeShape,
  machineParam,
  maxNameLength,
} from '../validation/params.ts';

const sensorParam = z
  .string()
  .max(maxNameLength, `must be at most ${maxNameLength} characters`)
  .optional()
  .openapi({
    description:
      "The sensor's variable name (`TEMPERATURA_BASE` on logger machines, `Stemp` on MTConnect ones); the machine's first temperature sensor when absent. On `/api/v1/temperature`, a machine with `v1Compat` answers `TEMPERATURA_BASE` with its first sensor.",
    example: 'TEMPERATURA_BASE',
  });

const hourFields = {
  dt: naiveTimestamp('Start of the hour.'),
  min_value: z.number().openapi({ description: 'Lowest reading, °C.' }),
  avg_value: z.number().openapi({ description: 'Mean of the readings, °C.' }),
  max_value: z.number().openapi({ description: 'Highest reading, °C.' }),
  std_dev: z
    .number()
    .nullable()
    .openapi({ description: 'Sample standard deviation; null under 2 readings.' }),
  readings_count: z.number().int().openapi({ description: 'Valid readings in the hour.' }),
};
const temperatureHour = z.object(hourFields).openapi('TemperatureHour');
const temperatureHourRanged = z
  .object({ ...hourFields, ts: awareTimestamp('Start of the hour, unambiguous.') })
  .openapi('TemperatureHourRanged');

const v1 = createRoute({
  method: 'get',
  path: '/api/v1/temperature',
  tags: ['v1'],
  summary: 'Hourly temperature statistics of one day',
  description:
    'The hours of `target_date` that have readings, ordered by instant (a repeated autumn hour appears twice, with the same `dt`). 404 when there are none.',
  request: {
    query: z.object({
      target_date: dateParam('The local day.'),
      sensor_name: sensorParam,
      machine: machineParam,
    }),
  },
  responses: {
    200: served<TemperatureHour[]>()(z.array(temperatureHour), 'The hours of the day, `dt` ascending.'),
    ...errorResponses,
  },
});

const v2 = createRoute({
  method: 'get',
  path: '/api/v2/temperature',
  tags: ['v2'],
  summary: 'Hourly temperature statistics of a range of days',
  description: 'Like `/api/v1/temperature` over `from`..`to`, plus an aware `ts`; `[]` when empty.',
  request: {
    query: z.object({ ...dateRangeShape, sensor_name: sensorParam }).superRefine(checkDateRange),
  },
  responses: {
    200: served<TemperatureHourRanged[]>()(z.array(temperatureHourRanged), 'The hours, by instant.'),
    ...errorResponses,
  },
});

/** `GET /api/v1/temperature` and its range version `GET /api/v2/temperature`. */
export function temperatureRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  // The hours of a sensor over some days, by instant; `dt` is formatted by PostgreSQL. The handlers
  // serve the statistics as selected, in this order (the response's field order).
  const hours = (machineId: string, zone: string, sensor: string, from: string, to: string) =>
    deps.aggDb
      .selectFrom('agg_sensor_stats')
      .select([
        naiveLocal('hour_ts', zone).as('dt'),
        'min_value',
        'avg_value',
        'max_value',
        'std_dev',
        'readings_count',
      ])
      .where('machine_id', '=', machineId)
      .where('sensor_name', '=', sensor)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .orderBy('hour_ts');

  app.openapi(v1, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    const sensor = resolveSensor(machine, q.sensor_name, { v1: true });
    const rows = await hours(machine.id, machine.timezone, sensor, q.target_date, q.target_date).execute();
    if (rows.length === 0) {
      throw new ApiError(404, `No temperature data found for ${sensor} on ${q.target_date}`);
    }
    return c.json(
      rows.map((r) => ({ ...r, dt: trimZeroFraction(r.dt) })),
      200,
    );
  });

  app.openapi(v2, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    const sensor = resolveSensor(machine, q.sensor_name);
    const rows = await hours(machine.id, machine.timezone, sensor, q.from, q.to).select('hour_ts').execute();
    return c.json(
      rows.map(({ dt, hour_ts, ...stats }) => ({
        dt: trimZeroFraction(dt),
        ts: formatAware(hour_ts, machine.timezone),
        ...stats,
      })),
      200,
    );
  });

  return app;
}
