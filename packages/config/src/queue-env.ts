import { z } from 'zod';
import { ConfigError, type ConfigProblem, problemsFromZod } from './errors.ts';
import { type Config, loadConfig } from './load-config.ts';
import { EX_CONFIG, formatConfigError } from './load-config-or-exit.ts';

const whole = (what: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `must be ${what}` })
    .int('must be a whole number')
    .min(min, `must be between ${min} and ${max}`)
    .max(max, `must be between ${min} and ${max}`)
    .default(fallback);

const day = 24 * 3600;

/**
 * The variables of the queue layer (worker and scheduler; the API reads `QUEUE_PREFIX` and the
 * retention settings too, so it queues jobs with the same options).
 */
export const queueEnvSchema = z.object({
  QUEUE_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, _ or - (it prefixes every Redis key)')
    .default('mm'),
  JOB_ATTEMPTS: whole('a number of attempts', 1, 100, 5),
  JOB_BACKOFF_MS: whole('a delay in milliseconds', 100, 3_600_000, 10_000),
  KEEP_COMPLETED_SECONDS: whole('a number of seconds', 0, 365 * day, day),
  KEEP_FAILED_SECONDS: whole('a number of seconds', 60, 365 * day, 14 * day),
  WORKER_CONCURRENCY: whole('a number of jobs', 1, 64, 2),
  MACHINE_MAX_JOBS: whole('a number of jobs', 1, 64, 2),
  WORKER_PORT: whole('a port number', 1, 65535, 9100),
  DRAIN_TIMEOUT_SECONDS: whole('a number of seconds', 1, 3600, 60),
  STALLED_INTERVAL_MS: whole('a delay in milliseconds', 200, 600_000, 30_000),
  PLAN_EVERY_SECONDS: whole('a number of seconds', 1, day, 300),
  LATE_DATA_LOOKBACK_DAYS: whole('a number of days', 0, 366, 7),
  FAILED_COOLDOWN_SECONDS: whole('a number of seconds', 0, 30 * day, 3600),
  PLAN_MAX_BACKLOG: whole('a number of jobs', 1, 1_000_000, 2000),
});

export type QueueEnv = z.infer<typeof queueEnvSchema>;

/** The queue layer's settings, named for the code that uses them. */
export interface QueueConfig {
  prefix: string;
  jobAttempts: number;
  jobBackoffMs: number;
  keepCompletedSeconds: number;
  keepFailedSeconds: number;
  workerConcurrency: number;
  machineMaxJobs: number;
  workerPort: number;
  drainTimeoutMs: number;
  stalledIntervalMs: number;
  planEverySeconds: number;
  lateDataLookbackDays: number;
  failedCooldownSeconds: number;
  /** Most ETL jobs a plan leaves waiting across the queues; the rest is planned by later ticks. */
  planMaxBacklog: number;
}

type EnvSource = Record<string, string | undefined>;

/**
 * Parses the queue variables, or throws a {@link ConfigError} listing every problem.
 *
 * @example
 * loadQueueConfig({ WORKER_CONCURRENCY: '4' }).workerConcurrency; // 4
 */
export function loadQueueConfig(source: EnvSource = process.env): QueueConfig {
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = queueEnvSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(problemsFromZod(parsed.error, ''));
  const e = parsed.data;
  return {
    prefix: e.QUEUE_PREFIX,
    jobAttempts: e.JOB_ATTEMPTS,
    jobBackoffMs: e.JOB_BACKOFF_MS,
    keepCompletedSeconds: e.KEEP_COMPLETED_SECONDS,
    keepFailedSeconds: e.KEEP_FAILED_SECONDS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    machineMaxJobs: e.MACHINE_MAX_JOBS,
    workerPort: e.WORKER_PORT,
    drainTimeoutMs: e.DRAIN_TIMEOUT_SECONDS * 1000,
    stalledIntervalMs: e.STALLED_INTERVAL_MS,
    planEverySeconds: e.PLAN_EVERY_SECONDS,
    lateDataLookbackDays: e.LATE_DATA_LOOKBACK_DAYS,
    failedCooldownSeconds: e.FAILED_COOLDOWN_SECONDS,
    planMaxBacklog: e.PLAN_MAX_BACKLOG,
  };
}

/**
 * For the worker's and the scheduler's `main.ts`: the common configuration and the queue settings,
 * every problem of both in one message on stderr and exit 78 when anything is wrong.
 *
 * @example
 * const { config, queue } = loadQueueAppConfigOrExit(process.env, { app: 'worker' });
 */
export function loadQueueAppConfigOrExit(
  source: EnvSource,
  options: { app: string; readFile?: (path: string) => string },
): { config: Config; queue: QueueConfig } {
  const problems: ConfigProblem[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const config = attempt(() => loadConfig(source, options.readFile));
  const queue = attempt(() => loadQueueConfig(source));
  if (!config || !queue) {
    process.stderr.write(formatConfigError(new ConfigError(problems), options.app));
    process.exit(EX_CONFIG);
  }
  return { config, queue };
}
