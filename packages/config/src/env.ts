import { z } from 'zod';
import { adminPasswordProblems } from './admin-password.ts';
import { databaseUrlSchema } from './machines.ts';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The process environment the apps read. Defaults give the embedded single-laptop setup. */
export const envSchema = z
  .object({
    AGG_DATABASE_URL: databaseUrlSchema.default('pglite:./.data/agg'),
    REDIS_URL: z
      .string()
      .trim()
      .regex(/^rediss?:\/\/.+/, 'must be a redis:// or rediss:// URL')
      .default('redis://127.0.0.1:6379'),
    MACHINES_FILE: z
      .string()
      .trim()
      .min(1, 'must be the path of the machines JSON file')
      .default('machines.json'),
    PORT: z.coerce
      .number({ error: 'must be a port number' })
      .int('must be a whole number')
      .min(1, 'must be between 1 and 65535')
      .max(65535, 'must be between 1 and 65535')
      .default(8000),
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
    // Checked against the user name below (adminPasswordProblems), so in the refinement.
    ADMIN_PASSWORD: z.string().optional(),
    LOG_LEVEL: z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` }).default('info'),
  })
  .superRefine(
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
    // Also when another variable is invalid (zod skips refinements after such a problem by default),
    // so every problem is reported in one go. Only the two admin variables are read, both plain strings.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

export type Env = z.infer<typeof envSchema>;
