import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Machine } from '@mm/api-contract';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { errorResponses, served } from '../openapi/schemas.ts';

const machine = z
  .object({
    id: z
      .string()
      .openapi({ example: 'press-07', description: 'The `machine` parameter of every endpoint.' }),
    name: z.string().openapi({ example: 'Press 07' }),
    timezone: z
      .string()
      .openapi({ example: 'Europe/Madrid', description: 'IANA zone of its days and naive timestamps.' }),
    profile: z.string().openapi({ example: 'logger', description: 'Signal profile name.' }),
    temperature_sensors: z.array(z.string()).openapi({
      example: ['TEMPERATURA_BASE'],
      description: 'Valid `sensor_name` values; the first is the default.',
    }),
    motors: z
      .array(
        z.object({
          variable: z.string().openapi({ example: 'Sload' }),
          rated_kw: z.number().openapi({ example: 11 }),
        }),
      )
      .openapi({
        description:
          'The motors whose load (percent of rated power) the hourly energy is estimated from; empty: no energy figures.',
      }),
  })
  .openapi('Machine');

const route = createRoute({
  method: 'get',
  path: '/api/v2/machines',
  tags: ['v2'],
  summary: 'The configured machines',
  description: 'In configuration order: the first is the default `machine` of every endpoint.',
  responses: { 200: served<Machine[]>()(z.array(machine), 'The machines.'), 500: errorResponses[500] },
});

/** `GET /api/v2/machines`. Never exposes database URLs. */
export function machinesRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(route, (c) =>
    c.json(
      deps.config.machines.map((m) => ({
        id: m.id,
        name: m.name,
        timezone: m.timezone,
        profile: m.profileName,
        temperature_sensors: m.profile.temperature.map((t) => t.variable),
        motors: m.profile.motors.map((motor) => ({ variable: motor.variable, rated_kw: motor.ratedKw })),
      })),
      200,
    ),
  );
  return app;
}
