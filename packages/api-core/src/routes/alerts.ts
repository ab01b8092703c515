import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AlertDetail, AlertsDailyCount } from '@mm/api-contract';
import { sql } from 'kysely';
import type { AppEnv } from '../app-env.ts';
import { naiveLocal } from '../db/sql-time.ts';
import type { AppDeps } from '../deps.ts';
import { resolveMachine } from '../machines.ts';
import { dateString, errorResponses, naiveTimestamp, served } from '../openapi/schemas.ts';
import { trimZeroFraction } from '../time/format.ts';
import { validationHook } from '../validation/hook.ts';
import { checkDateRange, dateParam, dateRangeShape, machineParam } from '../validation/params.ts';

const alertType = z.enum(['emergency', 'error', 'warning', 'other']);

const dailyCount = z
  .object({
    day: dateString(),
    alert_type: alertType,
    amount: z.number().int().openapi({ description: 'Activations of that severity that day.' }),
  })
  .openapi('AlertsDailyCount');

const detail = z
  .object({
    id: z.number().int().openapi({
      description: 'Stable id: activation epoch ms x 1000 + ordinal within that millisecond.',
      example: 1709280000123000,
    }),
    dt: naiveTimestamp('When the alarm became active.'),
    alert_type: z.enum(['emergency', 'error']),
    alarm_code: z.string().nullable().openapi({ example: 'PLC00054' }),
    alarm_description: z.string().nullable().openapi({ example: 'Poti Avance = 0 !' }),
  })
  .openapi('AlertDetail');

const dailyCountV1 = createRoute({
  method: 'get',
  path: '/api/v1/alerts_daily_count',
  tags: ['v1'],
  summary: 'Alarm activations of one day by severity',
  description: '`amount` descending; `[]` when none.',
  request: { query: z.object({ target_date: dateParam('The local day.'), machine: machineParam }) },
  responses: {
    200: served<AlertsDailyCount[]>()(z.array(dailyCount), '`amount` descending.'),
    ...errorResponses,
  },
});

const dailyCountV2 = createRoute({
  method: 'get',
  path: '/api/v2/alerts_daily_count',
  tags: ['v2'],
  summary: 'Alarm activations of a range of days by severity',
  description: '`day` ascending, then `amount` descending; `[]` when none.',
  request: { query: z.object(dateRangeShape).superRefine(checkDateRange) },
  responses: {
    200: served<AlertsDailyCount[]>()(z.array(dailyCount), 'By day, largest first.'),
    ...errorResponses,
  },
});

const detailV1 = createRoute({
  method: 'get',
  path: '/api/v1/alerts_detail',
  tags: ['v1'],
  summary: 'Emergency and error activations of one day',
  description:
    'Ordered by instant: on an autumn fall-back day 02:40 (summer time) comes before 02:30 (winter time). `[]` when none.',
  request: { query: z.object({ target_date: dateParam('The local day.'), machine: machineParam }) },
  responses: {
    200: served<AlertDetail[]>()(z.array(detail), '`dt` ascending by instant.'),
    ...errorResponses,
  },
});

// Ties in `amount` are broken by severity, so the order is the same on every call.
const severityRank = sql<number>`case alert_type when 'emergency' then 0 when 'error' then 1 when 'warning' then 2 else 3 end`;

/** `GET /api/v1/alerts_daily_count`, `GET /api/v2/alerts_daily_count` and `GET /api/v1/alerts_detail`. */
export function alertsRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  const counts = (machineId: string, from: string, to: string) =>
    deps.aggDb
      .selectFrom('alerts_daily_count')
      .select(['day', 'alert_type', 'amount'])
      .where('machine_id', '=', machineId)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .orderBy('day')
      .orderBy('amount', 'desc')
      .orderBy(severityRank)
      .execute();

  app.openapi(dailyCountV1, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    return c.json(await counts(machine.id, q.target_date, q.target_date), 200);
  });

  app.openapi(dailyCountV2, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    return c.json(await counts(machine.id, q.from, q.to), 200);
  });

  app.openapi(detailV1, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    const rows = await deps.aggDb
      .selectFrom('alerts_detail')
      .select([
        'id',
        naiveLocal('alert_ts', machine.timezone).as('dt'),
        'alert_type',
        'alarm_code',
        'alarm_description',
      ])
      .where('machine_id', '=', machine.id)
      .where('day', '=', q.target_date)
      .where('alert_type', 'in', ['emergency', 'error'])
      .orderBy('alert_ts')
      .orderBy('id')
      .execute();
    return c.json(
      rows.map((r) => ({
        id: r.id,
        dt: trimZeroFraction(r.dt),
        alert_type: r.alert_type,
        alarm_code: r.alarm_code,
        alarm_description: r.alarm_description,
      })),
      200,
    );
  });

  return app;
}
