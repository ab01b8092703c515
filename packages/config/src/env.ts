import { z } from 'zod';
import { adminPasswordProblems } from './admin-password.ts';
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

const portSchema = z.coerce
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
 * The HTTP API's own variables. `REDIS_URL` is optional for it: set, `/api/status` checks Redis too.
 * `API_CACHE_MB` caps the answers it keeps in memory.
 */
export const apiEnv = envPart(
  {
    PORT: portSchema.default(8000),
    HOST: z.string().trim().min(1).default('0.0.0.0'),
    CORS_ORIGINS: z
      .string()
      .default('http://localhost:3000')
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z
            .string()
            .regex(/^(https?:\/\/[^/\s]+|\*)$/, 'each origin must look like http(s)://host[:port], or be *'),
        ),
      ),
    ADMIN_USER: z.string().trim().min(1).optional(),
    // Checked against the user name (adminPasswordProblems), so in the part's check.
    ADMIN_PASSWORD: z.string().optional(),
    REDIS_URL: redisUrlSchema.optional(),
    API_CACHE_MB: z.coerce
      .number({ error: 'must be a number of megabytes (0 turns the answer cache off)' })
      .int('must be a whole number')
      .min(0, 'must be between 0 and 65536')
      .max(65536, 'must be between 0 and 65536')
      .default(64),
  },
  (e) => ({
    port: e.PORT,
    host: e.HOST,
    corsOrigins: e.CORS_ORIGINS,
    /** Credentials of the admin surface; `null` disables it (it is never open without them). */
    admin:
      e.ADMIN_USER && e.ADMIN_PASSWORD
        ? { user: e.ADMIN_USER, password: e.ADMIN_PASSWORD }
        : (null as { user: string; password: string } | null),
    redisUrl: e.REDIS_URL ?? null,
    /** Bytes of answers the API keeps in memory (MiB of `API_CACHE_MB`); 0: none. */
    answerCacheBytes: e.API_CACHE_MB * 2 ** 20,
  }),
  (env, ctx) => {
    if ((env.ADMIN_USER === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.ADMIN_USER === undefined ? 'ADMIN_USER' : 'ADMIN_PASSWORD'],
        message:
          'ADMIN_USER and ADMIN_PASSWORD are set together (or neither, which disables the admin surface)',
      });
    }
    if (typeof env.ADMIN_PASSWORD === 'string') {
      const user = typeof env.ADMIN_USER === 'string' ? env.ADMIN_USER : undefined;
      for (const message of adminPasswordProblems(user, env.ADMIN_PASSWORD)) {
        ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message });
      }
    }
  },
);

const wholeNumber = (what: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `must be ${what}` })
    .int('must be a whole number')
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`)
    .default(fallback);

const day = 24 * 3600;
const workerConcurrency = wholeNumber('a number of jobs', 1, 64, 2);
const machineMaxJobs = wholeNumber('a number of jobs', 1, 64, 2);
const planRawConcurrency = wholeNumber('a number of connections', 1, 64, 4);

/**
 * How ETL jobs are queued: the Redis key prefix and the options every job is added with. Read by
 * every process that adds jobs (API, scheduler, `pnpm etl enqueue`) and by the worker.
 */
export const queueJobsEnv = envPart(
  {
    QUEUE_PREFIX: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, _ or - (it prefixes every Redis key)')
      .default('mm'),
    JOB_ATTEMPTS: wholeNumber('a number of attempts', 1, 100, 5),
    JOB_BACKOFF_MS: wholeNumber('a delay in milliseconds', 100, 3_600_000, 10_000),
    KEEP_COMPLETED_SECONDS: wholeNumber('a number of seconds', 0, 365 * day, day),
    KEEP_COMPLETED_JOBS: wholeNumber('a number of jobs', 0, 10_000_000, 10_000),
    KEEP_FAILED_SECONDS: wholeNumber('a number of seconds', 60, 365 * day, 14 * day),
  },
  (e) => ({
    prefix: e.QUEUE_PREFIX,
    /** The options every ETL job is added with (`@mm/queue`'s `SliceJobPolicy`). */
    jobPolicy: {
      attempts: e.JOB_ATTEMPTS,
      backoffDelayMs: e.JOB_BACKOFF_MS,
      keepCompletedSeconds: e.KEEP_COMPLETED_SECONDS,
      keepCompletedJobs: e.KEEP_COMPLETED_JOBS,
      keepFailedSeconds: e.KEEP_FAILED_SECONDS,
    },
  }),
);

/** The worker's own variables. */
export const workerEnv = envPart(
  {
    WORKER_CONCURRENCY: workerConcurrency,
    MACHINE_MAX_JOBS: machineMaxJobs,
    WORKER_PORT: wholeNumber('a port number', 1, 65535, 9100),
    DRAIN_TIMEOUT_SECONDS: wholeNumber('a number of seconds', 1, 3600, 60),
    STALLED_INTERVAL_MS: wholeNumber('a delay in milliseconds', 200, 600_000, 30_000),
    SLICE_TIMEOUT_SECONDS: wholeNumber('a number of seconds', 5, 86_400, 120),
  },
  (e) => ({
    workerConcurrency: e.WORKER_CONCURRENCY,
    machineMaxJobs: e.MACHINE_MAX_JOBS,
    workerPort: e.WORKER_PORT,
    drainTimeoutMs: e.DRAIN_TIMEOUT_SECONDS * 1000,
    stalledIntervalMs: e.STALLED_INTERVAL_MS,
    /** The slowest slice's run: statement, lock and idle-in-transaction limit of the worker's sessions. */
    sliceTimeoutMs: e.SLICE_TIMEOUT_SECONDS * 1000,
  }),
);

/** The scheduler's own variables: how often and how much it plans, and where it reports. */
export const planEnv = envPart(
  {
    PLAN_EVERY_SECONDS: wholeNumber('a number of seconds', 1, day, 300),
    PARTIAL_REFRESH_SECONDS: wholeNumber('a number of seconds', 0, day, 900),
    LATE_DATA_LOOKBACK_DAYS: wholeNumber('a number of days', 0, 366, 7),
    FAILED_COOLDOWN_SECONDS: wholeNumber('a number of seconds', 0, 30 * day, 3600),
    PLAN_MAX_BACKLOG: wholeNumber('a number of jobs', 1, 1_000_000, 2000),
    PLAN_RAW_CONCURRENCY: planRawConcurrency,
    SCHEDULER_PORT: wholeNumber('a port number', 1, 65535, 9101),
  },
  (e) => ({
    planEverySeconds: e.PLAN_EVERY_SECONDS,
    /** A partial day is re-run at most this often, and only when its raw data changed. */
    partialRefreshSeconds: e.PARTIAL_REFRESH_SECONDS,
    lateDataLookbackDays: e.LATE_DATA_LOOKBACK_DAYS,
    failedCooldownSeconds: e.FAILED_COOLDOWN_SECONDS,
    /** Most ETL jobs a plan leaves waiting; the rest is planned by later ticks. */
    planMaxBacklog: e.PLAN_MAX_BACKLOG,
    /** Raw databases a plan reads at once, which is also the scheduler's raw connections during a plan. */
    planRawConcurrency: e.PLAN_RAW_CONCURRENCY,
    schedulerPort: e.SCHEDULER_PORT,
  }),
);

/**
 * How the whole deployment uses raw connections, for the start-up check of every raw server's
 * `max_connections` (worker and scheduler): how many worker processes run (`WORKER_REPLICAS`, the
 * compose file's), each one's concurrency, the per-machine cap and the scheduler's plan concurrency.
 */
export const connectionBudgetEnv = envPart(
  {
    WORKER_REPLICAS: wholeNumber('a number of worker processes', 1, 10_000, 1),
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

/** Every setting of the queue layer (what a deployment's compose file gives all its processes). */
export const queueEnv = composeEnv(queueJobsEnv, workerEnv, planEnv, connectionBudgetEnv);

/** The environment of each app of this repository, by the name it reports problems under. */
export const appEnvs = {
  api: composeEnv(sharedEnv, apiEnv, queueJobsEnv),
  etl: sharedEnv,
  'etl-enqueue': composeEnv(sharedEnv, redisEnv, queueJobsEnv),
  worker: composeEnv(sharedEnv, redisEnv, queueJobsEnv, workerEnv, connectionBudgetEnv),
  scheduler: composeEnv(sharedEnv, redisEnv, queueJobsEnv, planEnv, connectionBudgetEnv),
  'db-migrate': composeEnv(aggDatabaseEnv, logEnv),
} as const;

export type AppName = keyof typeof appEnvs;
