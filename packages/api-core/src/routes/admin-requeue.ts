import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { RequeueResult } from '@mm/api-contract';
import { localDay, maxRangeDays } from '@mm/calendar';
import { daysWithData, etlIds } from '@mm/etl';
import { type EnqueueOutcome, enqueue } from '@mm/queue';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { DependencyUnavailableError, isConnectionError, RequestValidationError } from '../errors.ts';
import { resolveMachine } from '../machines.ts';
import { dateString, detailSchema, json, served, validationErrorSchema } from '../openapi/schemas.ts';
import type { ApiQueues } from '../queues/api-queues.ts';
import { validationHook } from '../validation/hook.ts';
import { checkDateRange, dateParam, maxNameLength } from '../validation/params.ts';

/** The largest request body read: a real one is under 200 bytes, and nothing bigger is parsed. */
export const maxRequeueBodyBytes = 64 * 1024;

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
    data_days: z.object({ from: dateString(), to: dateString() }).nullable().openapi({
      description:
        "The machine's first and last local days with a raw reading (read from its raw database now); `null` when it has none.",
    }),
    skipped_days: z.number().int().openapi({
      description: 'Days of the range outside `data_days`: not queued, so no ledger row is written for them.',
    }),
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
    "Queues one job per (ETL, day) through the same queues the scheduler uses, replacing a stored completed or failed job of the same slice (BullMQ would otherwise ignore the add). Only the days the machine has raw data for are queued (`data_days`); the others are counted in `skipped_days`. Needs the admin credentials (HTTP basic auth), Redis and the machine's raw database.",
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
    413: json(detailSchema, `The body is larger than ${maxRequeueBodyBytes / 1024} KB.`),
    429: json(detailSchema, 'Too many failed logins from this address.'),
    503: json(detailSchema, "Redis or the machine's raw database is unreachable."),
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
  rawDbFor: AppDeps['rawDbFor'];
  now: () => Date;
}): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use(
    '/requeue',
    bodyLimit({
      maxSize: maxRequeueBodyBytes,
      onError: (c) => c.json({ detail: `Request body larger than ${maxRequeueBodyBytes / 1024} KB` }, 413),
    }),
  );
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
    // Days before any data (or after the latest reading) would only get ledger rows of nothing.
    let withData: Awaited<ReturnType<typeof daysWithData>>;
    try {
      withData = await daysWithData(machine, deps.rawDbFor(machine), body.from, body.to);
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      throw new DependencyUnavailableError(`raw database of machine '${machine.id}'`, { cause: error });
    }
    const etls = body.etl === 'all' ? [...etlIds] : [body.etl];
    const slices = etls.flatMap((etl) => withData.days.map((day) => ({ machine: machine.id, etl, day })));
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
      { machine: machine.id, etls, from: body.from, to: body.to, skippedDays: withData.skipped, counts },
      'admin re-queued a range of days',
    );
    return c.json(
      {
        machine: machine.id,
        etls,
        from: body.from,
        to: body.to,
        data_days: withData.dataDays,
        skipped_days: withData.skipped,
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
