import { existsSync, statSync } from 'node:fs';
import { apiServerEnv } from '@mm/api-core';
import { addDays, dateProblem, firstCalendarDate } from '@mm/calendar';
import {
  composeEnv,
  envPart,
  envSchemaOf,
  logLevelSchema,
  queueJobsEnv,
  redisEnv,
  sharedEnv,
} from '@mm/config';
import { NIST_MAZAK01_DIR } from '@mm/raw';
import { z } from 'zod';

/** What the demo builds and where, resolved from the environment. */
export interface DemoSettings {
  /** Where the demo keeps its PGlite databases, machines file and seed marker. */
  dataDir: string;
  /** The aggregation database: `pglite:<dataDir>/agg` unless `AGG_DATABASE_URL` says otherwise. */
  aggDatabaseUrl: string;
  /** The raw database of a demo machine. */
  rawDatabaseUrl(machineId: string): string;
  /** The NIST Mazak01 SHDR logs (the repository's copy unless `NIST_DIR`); `null` leaves `mazak01` out. */
  nistDir: string | null;
  port: number;
  host: string;
  /** Days of the simulated `press-07`, ending with `lastDay`. */
  days: number;
  /** The simulator's volume knob (1 = a plant-sized logger; the demo uses a tenth). */
  volume: number;
  seed: number;
  /** The simulated machine's last day; `null` means yesterday in its time zone, at seed time. */
  lastDay: string | null;
  /**
   * A demo machine to serve as the original (v1) dashboards expect: first in the machines file (the
   * default of every endpoint, which they never name) and with `v1Compat` set; `null`: none.
   */
  v1Machine: string | null;
}

/** The environment names settings that cannot be used; the message lists every problem. */
export class DemoSettingsError extends Error {
  override name = 'DemoSettingsError';
  constructor(readonly problems: string[]) {
    super(`invalid demo settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

/** The NIST logs shipped with the repository (`packages/raw/data/nist-mazak01`), absolute. */
export const DEFAULT_NIST_DIR = NIST_MAZAK01_DIR;
export const DEFAULT_DATA_DIR = './.data/demo';

const databaseUrlPattern = /^(postgres(ql)?:\/\/.+|pglite:.+)$/;

/** A whole number from `min` to `max`, one problem naming `name` whatever is wrong with it. */
function wholeFrom(name: string, min: number, max: number) {
  const message = `${name} must be a whole number from ${min} to ${max}`;
  return z.coerce
    .number({ error: message })
    .refine((n) => Number.isInteger(n) && n >= min && n <= max, { message });
}

/**
 * The demo's own variables: where it keeps its data, what it seeds, where it serves. Their problems
 * are whole sentences naming the variable, in the order of this shape.
 */
const demoOwnEnv = envPart(
  {
    DEMO_DATA_DIR: z.string().default(DEFAULT_DATA_DIR),
    AGG_DATABASE_URL: z
      .string()
      .regex(databaseUrlPattern, 'AGG_DATABASE_URL must be a postgres:// URL or pglite:<dir>')
      .optional(),
    DEMO_RAW_DATABASE_URL: z
      .string()
      .optional()
      .superRefine((template, ctx) => {
        if (template === undefined) return;
        if (!databaseUrlPattern.test(template)) {
          ctx.addIssue({
            code: 'custom',
            message: 'DEMO_RAW_DATABASE_URL must be a postgres:// URL or pglite:<dir> template',
          });
        } else if (!template.includes('{machine}')) {
          ctx.addIssue({
            code: 'custom',
            message: 'DEMO_RAW_DATABASE_URL must contain {machine} (one raw database per machine)',
          });
        }
      }),
    // The repository ships the logs: a checkout without them is damaged, said rather than silently
    // demoing one machine fewer.
    NIST_DIR: z
      .string()
      .optional()
      .transform((dir, ctx): string | null => {
        if (dir === undefined && isDirectory(DEFAULT_NIST_DIR)) return DEFAULT_NIST_DIR;
        if (dir !== undefined && isDirectory(dir)) return dir;
        ctx.addIssue({
          code: 'custom',
          message:
            dir === undefined
              ? `the NIST sample logs are missing from this checkout (${DEFAULT_NIST_DIR})`
              : `NIST_DIR: no such directory '${dir}'`,
        });
        return null;
      }),
    DEMO_VOLUME: z.coerce
      .number({ error: 'DEMO_VOLUME must be a number in (0, 1]' })
      .refine((v) => v > 0 && v <= 1, { message: 'DEMO_VOLUME must be a number in (0, 1]' })
      .default(0.1),
    DEMO_LAST_DAY: z
      .string()
      .optional()
      .superRefine((day, ctx) => {
        const problem = day === undefined ? null : dateProblem(day);
        if (problem) ctx.addIssue({ code: 'custom', message: `DEMO_LAST_DAY ${problem.message}` });
      }),
    DEMO_V1_MACHINE: z.string().optional(),
    PORT: wholeFrom('PORT', 1, 65535).default(8000),
    HOST: z.string().default('127.0.0.1'),
    DEMO_DAYS: wholeFrom('DEMO_DAYS', 1, 90).default(14),
    DEMO_SEED: wholeFrom('DEMO_SEED', 0, 2 ** 31 - 1).default(42),
  },
  (e): DemoSettings => {
    const dataDir = e.DEMO_DATA_DIR;
    const rawTemplate = e.DEMO_RAW_DATABASE_URL;
    return {
      dataDir,
      aggDatabaseUrl: e.AGG_DATABASE_URL ?? `pglite:${inside(dataDir, 'agg')}`,
      rawDatabaseUrl: (machineId) =>
        rawTemplate === undefined
          ? `pglite:${inside(dataDir, `raw-${machineId}`)}`
          : rawTemplate.replaceAll('{machine}', machineId.replaceAll('-', '_')),
      nistDir: e.NIST_DIR,
      port: e.PORT,
      host: e.HOST,
      days: e.DEMO_DAYS,
      volume: e.DEMO_VOLUME,
      seed: e.DEMO_SEED,
      lastDay: e.DEMO_LAST_DAY ?? null,
      v1Machine: e.DEMO_V1_MACHINE ?? null,
    };
  },
  (env, ctx) => {
    const v1Machine = env.DEMO_V1_MACHINE;
    const demoMachines = ['press-07', ...(typeof env.NIST_DIR === 'string' ? ['mazak01'] : [])];
    if (typeof v1Machine === 'string' && !demoMachines.includes(v1Machine)) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEMO_V1_MACHINE'],
        message: `DEMO_V1_MACHINE must be one of the demo's machines (${demoMachines.join(', ')})`,
      });
    }
    const lastDay = env.DEMO_LAST_DAY;
    const days = env.DEMO_DAYS;
    if (
      typeof lastDay === 'string' &&
      dateProblem(lastDay) === null &&
      typeof days === 'number' &&
      Number.isInteger(days) &&
      !startsInRange(lastDay, days)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEMO_LAST_DAY'],
        message: `DEMO_LAST_DAY less DEMO_DAYS starts before ${firstCalendarDate}, the first supported date`,
      });
    }
  },
);

/**
 * The environment of the API the demo serves and of its queue layer: the parts the API's, worker's
 * and scheduler's `env.ts` compose, Redis at its local default (the demo tries it, and aggregates in
 * process when it does not answer), and the product's JSON log lines at `warn` unless `LOG_LEVEL`
 * says otherwise (they go to a file, beside the demo's own lines).
 */
export const demoServedEnv = composeEnv(
  sharedEnv,
  apiServerEnv,
  queueJobsEnv,
  redisEnv,
  envPart({ LOG_LEVEL: logLevelSchema.unwrap().default('warn') }, (e) => ({
    logLevel: e.LOG_LEVEL as string,
  })),
);

/**
 * Reads the demo's settings from the environment; blank values count as unset. Relative paths stay
 * relative (the CLI runs from the repository root). `DEMO_RAW_DATABASE_URL` is a template whose
 * `{machine}` becomes the machine id with `-` turned into `_`
 * (`postgres://postgres@127.0.0.1:5432/mm_demo_{machine}`).
 *
 * @example
 * const settings = demoSettingsFromEnv({ PORT: '8080' });
 * settings.aggDatabaseUrl; // 'pglite:./.data/demo/agg'
 */
export function demoSettingsFromEnv(env: Env): DemoSettings {
  const present = Object.fromEntries(
    Object.keys(demoOwnEnv.shape)
      .map((name) => [name, env[name]?.trim()] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchemaOf(demoOwnEnv).safeParse(present);
  if (!parsed.success) throw new DemoSettingsError(parsed.error.issues.map((issue) => issue.message));
  return demoOwnEnv.toConfig(parsed.data);
}

// Plain concatenation keeps a relative directory spelled as given (`./.data/demo/agg`).
function inside(dir: string, name: string): string {
  return `${dir.replace(/\/+$/, '')}/${name}`;
}

function startsInRange(lastDay: string, days: number): boolean {
  try {
    addDays(lastDay, -(days - 1));
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
