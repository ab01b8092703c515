import {
  adminPasswordProblems,
  type ConfigOf,
  envPart,
  type Loaded,
  portSchema,
  type queueJobsEnv,
  redisUrlSchema,
  type sharedEnv,
} from '@mm/config';
import { z } from 'zod';

/**
 * The HTTP API's own variables, each default here beside `runApi`, their user. `REDIS_URL` is
 * optional for it: set, `/api/status` checks Redis too. `API_CACHE_MB` caps the answers it keeps in
 * memory. An app composes them with `@mm/config`'s shared parts (`apps/api/src/env.ts`).
 */
export const apiServerEnv = envPart(
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

/**
 * The API's configuration: the shared parts (aggregation database, machines file, log level), the
 * queue prefix and job options (re-queued jobs use them too) and {@link apiServerEnv}.
 */
export type ApiConfig = Loaded<
  ConfigOf<typeof sharedEnv> & ConfigOf<typeof queueJobsEnv> & ConfigOf<typeof apiServerEnv>
>;
