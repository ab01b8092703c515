import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { resolveMachine } from '../machines.ts';
import { errorResponses, json } from '../openapi/schemas.ts';
import { validationHook } from '../validation/hook.ts';
import { machineParam } from '../validation/params.ts';

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
  responses: { 200: json(dataStatus, 'The machine’s aggregated range and row counts.'), ...errorResponses },
});

/** `GET /api/v1/data_status`, from the `v_data_status` view. */
export function dataStatusRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(route, async (c) => {
    const machine = resolveMachine(deps.config.machines, c.req.valid('query').machine);
    const row = await deps.aggDb
      .selectFrom('v_data_status')
      .select([
        'first_date',
        'last_date',
        'sensor_records',
        'utilization_records',
        'alert_records',
        'program_records',
        'energy_records',
      ])
      .where('machine_id', '=', machine.id)
      .executeTakeFirst();
    return c.json(
      row ?? {
        first_date: null,
        last_date: null,
        sensor_records: 0,
        utilization_records: 0,
        alert_records: 0,
        program_records: 0,
        energy_records: 0,
      },
      200,
    );
  });
  return app;
}
