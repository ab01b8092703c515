import { z } from 'zod';
import { databaseUrlSchema } from './machines.ts';

/**
 * The environment, in composable parts: each app validates exactly the variables it reads, so the ETL
 * CLI does not refuse to start over a bad `PORT`. A part is a zod shape (the variables, with their
 * defaults) plus how it maps onto the app's configuration object; {@link composeEnv} joins parts.
 */
export interface EnvPart<Shape extends z.ZodRawShape, Out> {
  shape: Shape;
  toConfig: (env: z.output<z.ZodObject<Shape>>) => Out;
  /** Checks across variables of the part; sees the parsed values so far (some may be missing). */
  check?: (env: Record<string, unknown>, ctx: z.RefinementCtx) => void;
}

/**
 * Declares one part of the environment.
 *
 * @example
 * const redisEnv = envPart({ REDIS_URL: redisUrlSchema.default('redis://127.0.0.1:6379') }, (e) => ({ redisUrl: e.REDIS_URL }));
 */
export function envPart<Shape extends z.ZodRawShape, Out>(
  shape: Shape,
  toConfig: (env: z.output<z.ZodObject<Shape>>) => Out,
  check?: EnvPart<Shape, Out>['check'],
): EnvPart<Shape, Out> {
  return check ? { shape, toConfig, check } : { shape, toConfig };
}

/**
 * The configuration object a part (or a composition of parts) maps its variables to.
 *
 * @example
 * type RedisConfig = ConfigOf<typeof redisEnv>; // { redisUrl: string }
 */
// biome-ignore lint/suspicious/noExplicitAny: any shape; only the output is inferred
export type ConfigOf<P> = P extends EnvPart<any, infer Out> ? Out : never;

// Any part at all: a part's shape and output vary with it, and `toConfig` takes its own shape's output.
// biome-ignore lint/suspicious/noExplicitAny: the widest part type, for composeEnv's constraint
type AnyPart = EnvPart<any, any>;
type Intersect<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type ShapeOf<P extends readonly AnyPart[]> = Intersect<P[number]['shape']> & z.ZodRawShape;
type OutOf<P extends readonly AnyPart[]> = Intersect<ReturnType<P[number]['toConfig']>>;

/**
 * One app's environment from several parts (a later part's variable replaces an earlier one's).
 *
 * @example
 * export const workerEnv = composeEnv(sharedEnv, redisEnv, envPart({ CONCURRENCY: … }, (e) => ({ concurrency: e.CONCURRENCY })));
 */
export function composeEnv<const P extends readonly AnyPart[]>(...parts: P): EnvPart<ShapeOf<P>, OutOf<P>> {
  const shape = Object.assign({}, ...parts.map((p) => p.shape)) as ShapeOf<P>;
  return {
    shape,
    toConfig: (env) => Object.assign({}, ...parts.map((p) => p.toConfig(env))) as OutOf<P>,
    check: (env, ctx) => {
      for (const part of parts) part.check?.(env, ctx);
    },
  };
}

/** The zod schema of a part: every variable checked, then every cross-variable check, in one pass. */
export function envSchemaOf<Shape extends z.ZodRawShape, Out>(part: EnvPart<Shape, Out>) {
  return z.object(part.shape).superRefine(
    (env, ctx) => part.check?.(env as Record<string, unknown>, ctx),
    // Also when a variable is invalid (zod skips refinements after such a problem by default), so
    // every problem is reported in one go. Checks read the fields they need defensively.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const logLevelSchema = z
  .enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` })
  .default('info');

/** `redis://` (plain) or `rediss://` (TLS) with a host. */
export const redisUrlSchema = z
  .string()
  .trim()
  .regex(/^rediss?:\/\/[^/?#]+/, 'must be a redis:// or rediss:// URL');

/** A TCP port, 1-65535. */
export const portSchema = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

/** The aggregation database, alone: what `pnpm db:migrate` needs. */
export const aggDatabaseEnv = envPart(
  { AGG_DATABASE_URL: databaseUrlSchema.default('pglite:./.data/agg') },
  (e) => ({ aggDatabaseUrl: e.AGG_DATABASE_URL }),
);

/** `LOG_LEVEL`, which every process reads. */
export const logEnv = envPart({ LOG_LEVEL: logLevelSchema }, (e) => ({ logLevel: e.LOG_LEVEL as string }));

/** What every process that works on machines reads: the aggregation database, the machines file, the log level. */
export const sharedEnv = composeEnv(
  aggDatabaseEnv,
  envPart(
    {
      MACHINES_FILE: z
        .string()
        .trim()
        .min(1, 'must be the path of the machines JSON file')
        .default('machines.json'),
    },
    (e) => ({ machinesFile: e.MACHINES_FILE }),
  ),
  logEnv,
);

/** Redis, required (with the local default) by the processes that run queues. */
export const redisEnv = envPart({ REDIS_URL: redisUrlSchema.default('redis://127.0.0.1:6379') }, (e) => ({
  redisUrl: e.REDIS_URL as string,
}));

/**
 * A whole number from `min` to `max`: `what` says what it counts in the problem's words.
 *
 * @example
 * const WORKER_CONCURRENCY = wholeNumber('a number of jobs', 1, 64).default(2);
 */
export const wholeNumber = (what: string, min: number, max: number) =>
  z.coerce
    .number({ error: `must be ${what}` })
    .int('must be a whole number')
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`);

// Read by the worker (its own size) and the scheduler (the connection budget check): one default.
const workerConcurrency = wholeNumber('a number of jobs', 1, 64).default(2);
const machineMaxJobs = wholeNumber('a number of jobs', 1, 64).default(2);
const planRawConcurrency = wholeNumber('a number of connections', 1, 64).default(4);

/**
 * How ETL jobs are queued: the Redis key prefix, and the two job options an operator sizes (tries
 * before a job stays failed for people; completed jobs kept, which is Redis memory). Unset, the
 * queue layer's defaults apply (`@mm/queue`'s `defaultSliceJobPolicy`, beside their use). Read by
 * every process that adds jobs (API, scheduler, `pnpm etl enqueue`) and by the worker.
 */
export const queueJobsEnv = envPart(
  {
    QUEUE_PREFIX: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, _ or - (it prefixes every Redis key)')
      .default('mm'),
    JOB_ATTEMPTS: wholeNumber('a number of attempts', 1, 100).optional(),
    KEEP_COMPLETED_JOBS: wholeNumber('a number of jobs', 0, 10_000_000).optional(),
  },
  (e) => ({
    prefix: e.QUEUE_PREFIX,
    /** What the environment sets of the options every ETL job is added with (`@mm/queue`'s `SliceJobPolicy`). */
    jobPolicy: {
      ...(e.JOB_ATTEMPTS !== undefined ? { attempts: e.JOB_ATTEMPTS } : {}),
      ...(e.KEEP_COMPLETED_JOBS !== undefined ? { keepCompletedJobs: e.KEEP_COMPLETED_JOBS } : {}),
    } as { attempts?: number; keepCompletedJobs?: number },
  }),
);

/**
 * How the whole deployment uses raw connections, for the start-up check of every raw server's
 * `max_connections` (worker and scheduler): how many worker processes run (`WORKER_REPLICAS`, the
 * compose file's), each one's concurrency, the per-machine cap and the scheduler's plan concurrency.
 */
export const connectionBudgetEnv = envPart(
  {
    WORKER_REPLICAS: wholeNumber('a number of worker processes', 1, 10_000).default(1),
    WORKER_CONCURRENCY: workerConcurrency,
    MACHINE_MAX_JOBS: machineMaxJobs,
    PLAN_RAW_CONCURRENCY: planRawConcurrency,
  },
  (e) => ({
    /** The deployment's raw-connection shape (`@mm/db`'s `RawConnectionPlan` without the machines). */
    connectionPlan: {
      workers: e.WORKER_REPLICAS,
      workerConcurrency: e.WORKER_CONCURRENCY,
      machineMaxJobs: e.MACHINE_MAX_JOBS,
      planConcurrency: e.PLAN_RAW_CONCURRENCY,
    },
  }),
);

/**
 * The environment of the command lines of this repository's packages, by the name they report
 * problems under. Each app's own is in its `src/env.ts`.
 */
export const appEnvs = {
  etl: sharedEnv,
  'etl-enqueue': composeEnv(sharedEnv, redisEnv, queueJobsEnv),
  'db-migrate': composeEnv(aggDatabaseEnv, logEnv),
} as const;

export type AppName = keyof typeof appEnvs;
