import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { RequeueResult } from '@mm/api-contract';
import { etlIds, localDay } from '@mm/etl';
import { type EnqueueOutcome, enqueue } from '@mm/queue';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { DependencyUnavailableError, RequestValidationError } from '../errors.ts';
import { resolveMachine } from '../machines.ts';
import { dateString, detailSchema, json, served, validationErrorSchema } from '../openapi/schemas.ts';
import type { ApiQueues } from '../queues/api-queues.ts';
import { eachDay } from '../time/local-date.ts';
import { validationHook } from '../validation/hook.ts';
import { checkDateRange, dateParam, maxNameLength, maxRangeDays } from '../validation/params.ts';

const outcomes = ['added', 'requeued', 'pending', 'active'] as const satisfies readonly EnqueueOutcome[];

const requestBody = z
  .object({
    machine: z
      .string()
      .max(maxNameLength, `must be at most ${maxNameLength} characters`)
      .openapi({ description: 'A configured machine id.', example: 'press-07' }),
    etl: z
      .enum(['all', ...etlIds], { error: `must be all or one of ${etlIds.join(', ')}` })
      .openapi({ description: 'One ETL, or `all` of them.', example: 'all' }),
    from: dateParam('First day, included (the machine’s local day).'),
    to: dateParam(`Last day, included; at most ${maxRangeDays} days from \`from\`, not after today.`),
  })
  .strict()
  .superRefine(checkDateRange)
  .openapi('RequeueRequest');

const responseBody = z
  .object({
    machine: z.string(),
    etls: z.array(z.string()),
    from: dateString(),
    to: dateString(),
    counts: z.object(
      Object.fromEntries(outcomes.map((o) => [o, z.number().int()])) as Record<
        (typeof outcomes)[number],
        z.ZodNumber
      >,
    ),
    jobs: z.array(
      z.object({
        etl: z.string(),
        day: dateString(),
        job_id: z.string().openapi({ example: 'press-07__energy__2024-03-01' }),
        outcome: z.enum(outcomes).openapi({
          description:
            '`added`: queued. `requeued`: a completed or failed job of that slice was replaced by a fresh one. `pending`: a job for it is already waiting. `active`: a worker is running it now (it is not run again).',
        }),
      }),
    ),
  })
  .openapi('RequeueResult');

const route = createRoute({
  method: 'post',
  path: '/requeue',
  tags: ['admin'],
  summary: 'Re-run a range of days of one machine (one ETL or all), even days that completed',
  description:
    'Queues one job per (ETL, day) through the same queues the scheduler uses, replacing a stored completed or failed job of the same slice (BullMQ would otherwise ignore the add). Needs the admin credentials (HTTP basic auth) and Redis.',
  security: [{ adminBasic: [] }],
  request: { body: { content: { 'application/json': { schema: requestBody } }, required: true } },
  responses: {
    202: served<RequeueResult>()(responseBody, 'What was queued, per slice.'),
    401: json(detailSchema, 'No or wrong admin credentials.'),
    404: json(detailSchema, 'Unknown machine.'),
    422: json(
      validationErrorSchema,
      'A field is missing or malformed, or the range is too long or in the future.',
    ),
    429: json(detailSchema, 'Too many failed logins from this address.'),
    503: json(detailSchema, 'Redis is unreachable.'),
  },
});

/**
 * `POST /requeue` under `/admin`: `{machine, etl, from, to}` becomes one forced `enqueue` per
 * (ETL, day), answered 202 with each slice's outcome.
 *
 * @example
 * admin.route('/', requeueRoutes({ config, queues, now }));
 */
export function requeueRoutes(deps: {
  config: AppDeps['config'];
  queues: ApiQueues;
  now: () => Date;
}): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const machine = resolveMachine(deps.config.machines, body.machine);
    const today = localDay(deps.now().getTime(), machine.timezone);
    if (body.to > today) {
      throw new RequestValidationError([
        {
          loc: ['body', 'to'],
          msg: `is after today (${today}) in the machine's time zone`,
          type: 'value_error',
        },
      ]);
    }
    if (!deps.queues.ready()) throw new DependencyUnavailableError('Redis');
    const etls = body.etl === 'all' ? [...etlIds] : [body.etl];
    const slices = etls.flatMap((etl) =>
      eachDay(body.from, body.to).map((day) => ({ machine: machine.id, etl, day })),
    );
    let results: Awaited<ReturnType<typeof enqueue>>;
    try {
      results = await enqueue(deps.queues.etl, slices, { force: true });
    } catch (error) {
      if (!deps.queues.ready()) throw new DependencyUnavailableError('Redis', { cause: error });
      throw error;
    }
    const counts = Object.fromEntries(outcomes.map((o) => [o, 0])) as Record<EnqueueOutcome, number>;
    for (const r of results) counts[r.outcome] += 1;
    c.get('logger').info(
      { machine: machine.id, etls, from: body.from, to: body.to, counts },
      'admin re-queued a range of days',
    );
    return c.json(
      {
        machine: machine.id,
        etls,
        from: body.from,
        to: body.to,
        counts,
        jobs: results.map((r) => ({
          etl: r.slice.etl,
          day: r.slice.day,
          job_id: r.jobId,
          outcome: r.outcome,
        })),
      },
      202,
    );
  });
  return app;
}
