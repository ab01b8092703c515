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
  redisUrl: e.REDIS_URL as string | null,
}));

/** The HTTP API's own variables. `REDIS_URL` is optional for it: set, `/api/status` checks Redis too. */
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
    ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
    REDIS_URL: redisUrlSchema.optional(),
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
  },
);

/** The environment of each app of this repository, by the name it reports problems under. */
export const appEnvs = {
  api: composeEnv(sharedEnv, apiEnv),
  etl: sharedEnv,
  'db-migrate': composeEnv(aggDatabaseEnv, logEnv),
} as const;

export type AppName = keyof typeof appEnvs;
