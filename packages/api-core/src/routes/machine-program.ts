import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MachineProgramDay } from '@mm/api-contract';
import { sql } from 'kysely';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { resolveMachine } from '../machines.ts';
import { dateString, errorResponses, served } from '../openapi/schemas.ts';
import { validationHook } from '../validation/hook.ts';
import { checkDateRange, dateParam, dateRangeShape, machineParam } from '../validation/params.ts';

const programDay = z
  .object({
    dt: dateString(),
    program: z.union([z.number().int(), z.string()]).openapi({
      description:
        'The program: a JSON integer when its identifier is an integer (optional sign and digits), else a string.',
      example: 1,
    }),
    duration_seconds: z.number().int().openapi({ description: 'Seconds the program held that day.' }),
  })
  .openapi('MachineProgramDay');

const v1 = createRoute({
  method: 'get',
  path: '/api/v1/machine_program',
  tags: ['v1'],
  summary: 'Program durations of one day',
  description: 'One entry per program that ran, `duration_seconds` descending; 404 when none.',
  request: { query: z.object({ target_date: dateParam('The local day.'), machine: machineParam }) },
  responses: {
    200: served<MachineProgramDay[]>()(z.array(programDay), '`duration_seconds` descending.'),
    ...errorResponses,
  },
});

const v2 = createRoute({
  method: 'get',
  path: '/api/v2/machine_program',
  tags: ['v2'],
  summary: 'Program durations of a range of days',
  description: '`dt` ascending, then `duration_seconds` descending; `[]` when none.',
  request: { query: z.object(dateRangeShape).superRefine(checkDateRange) },
  responses: {
    200: served<MachineProgramDay[]>()(z.array(programDay), 'By day, longest first.'),
    ...errorResponses,
  },
});

/**
 * A stored program identifier as served: a number when it is an optional sign and digits (and fits
 * a double exactly), else the text as stored.
 *
 * @example
 * programValue('+007'); // 7
 * programValue('O1234'); // 'O1234'
 */
export function programValue(stored: string): number | string {
  if (!/^[+-]?\d+$/.test(stored)) return stored;
  const value = Number(stored);
  return Number.isSafeInteger(value) ? value : stored;
}

/** `GET /api/v1/machine_program` and `GET /api/v2/machine_program`. */
export function machineProgramRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  const programs = async (machineId: string, from: string, to: string) => {
    const rows = await deps.aggDb
      .selectFrom('machine_program_data')
      .select(['day', 'program', 'duration_seconds'])
      .where('machine_id', '=', machineId)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .orderBy('day')
      .orderBy('duration_seconds', 'desc')
      .orderBy(sql`program collate "C"`)
      .execute();
    return rows.map((r) => ({
      dt: r.day,
      program: programValue(r.program),
      duration_seconds: r.duration_seconds,
    }));
  };

  app.openapi(v1, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    const rows = await programs(machine.id, q.target_date, q.target_date);
    if (rows.length === 0) throw new ApiError(404, `No program data found for ${q.target_date}`);
    return c.json(rows, 200);
  });

  app.openapi(v2, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    return c.json(await programs(machine.id, q.from, q.to), 200);
  });

  return app;
}
