import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a log line. */
export const redactPaths = [
  'password',
  '*.password',
  'ADMIN_PASSWORD',
  '*.ADMIN_PASSWORD',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'rawDatabaseUrl',
  '*.rawDatabaseUrl',
  'connectionString',
  '*.connectionString',
  // A whole Config object, should one ever be logged.
  'admin.password',
  '*.admin.password',
  'aggDatabaseUrl',
  '*.aggDatabaseUrl',
  'redisUrl',
  '*.redisUrl',
  'machines[*].rawDatabaseUrl',
  '*.machines[*].rawDatabaseUrl',
];

/**
 * One root logger per process; bind context with `logger.child({ machine, etl, day })`.
 *
 * @example
 * const logger = createLogger({ app: 'api', level: config.logLevel });
 */
export function createLogger(options: {
  app: string;
  level?: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: options.app },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

/**
 * A connection URL with its password replaced, for messages and logs.
 *
 * @example
 * redactUrl('postgres://reader:s3cret@db:5432/press07'); // 'postgres://reader:***@db:5432/press07'
 */
export function redactUrl(url: string): string {
  // The password runs to the last `@` of the authority (an unencoded `@` in it is still the password's,
  // as URL parsers read it); failing that, to the last `@` at all: hiding too much beats leaking.
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:)(?:[^/?#]*|.*)@/i, '$1***@');
}
