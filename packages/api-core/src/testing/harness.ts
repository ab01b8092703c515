import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger, type Logger, machinesFileSchema, resolveMachines } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { defaultSliceJobPolicy, type SliceJobPolicy } from '@mm/queue';
import type { Kysely } from 'kysely';
import type { ApiConfig } from '../api-server-env.ts';
import { createApp } from '../app.ts';
import type { AppDeps } from '../deps.ts';
import { openApiQueues } from '../queues/api-queues.ts';

/** Log lines captured from a logger, parsed. */
export interface CapturedLogs {
  logger: Logger;
  lines: () => Array<Record<string, unknown>>;
  text: () => string;
}

/**
 * A real pino logger (with the product's redaction) writing into memory.
 *
 * @example
 * const logs = captureLogs();
 * logs.lines().find((l) => l.msg === 'request completed');
 */
export function captureLogs(level = 'info'): CapturedLogs {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger({ app: 'api-test', level, destination });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/**
 * Two machines through the real machines-file schema: `press-07` (logger profile, Europe/Madrid,
 * the default) and `mazak01` (mtconnect, UTC), both reading `rawUrl`.
 *
 * @example
 * const machines = testMachines(raw.url);
 */
export function testMachines(rawUrl: string) {
  return resolveMachines(
    machinesFileSchema.parse({
      machines: [
        {
          id: 'press-07',
          name: 'Press 07',
          rawDatabaseUrl: rawUrl,
          timezone: 'Europe/Madrid',
          profile: 'logger',
        },
        { id: 'mazak01', name: 'Mazak Integrex', rawDatabaseUrl: rawUrl, profile: 'mtconnect' },
      ],
    }),
  );
}

/**
 * The app over given databases, with test defaults for everything else.
 *
 * @example
 * const { app, logs } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url });
 */
export function testApp(options: {
  aggDb: Kysely<AggDatabase>;
  rawDb: Kysely<RawDatabase>;
  rawUrl: string;
  config?: Partial<Pick<ApiConfig, 'corsOrigins' | 'admin'>>;
  deps?: Partial<AppDeps>;
}) {
  const logs = captureLogs();
  const config = {
    machines: testMachines(options.rawUrl),
    corsOrigins: options.config?.corsOrigins ?? ['http://localhost:3000'],
    admin: options.config?.admin ?? null,
  };
  const app = createApp({
    config,
    aggDb: options.aggDb,
    rawDbFor: () => options.rawDb,
    logger: logs.logger,
    version: '0.1.0-test',
    checkTimeoutMs: 3000,
    ...options.deps,
  });
  return { app, logs, config };
}

/**
 * The API's ETL queues on the test run's Redis under a prefix of their own, and a `drop()` that
 * removes every key of theirs (the Redis is shared with other test files and engineers).
 *
 * @example
 * const queues = await testQueues(inject('redisUrl'));
 * afterAll(() => queues.drop());
 */
export async function testQueues(
  redisUrl: string,
  options: { logger?: Logger; awaitConnection?: boolean; policy?: SliceJobPolicy } = {},
) {
  const logger = options.logger ?? captureLogs().logger;
  const prefix = `mm_t_${randomUUID().slice(0, 8)}`;
  const policy = options.policy ?? defaultSliceJobPolicy;
  const queues = openApiQueues({ redisUrl, prefix, policy, logger });
  // Connected before the test starts (unless the URL is meant to be unreachable).
  if (options.awaitConnection !== false && !(await queues.untilReady(5000))) {
    throw new Error(`Redis at ${redisUrl} did not answer`);
  }
  return Object.assign(queues, {
    prefix,
    async drop() {
      if (queues.ready()) await Promise.all(queues.etl.all().map((q) => q.obliterate({ force: true })));
      await queues.close();
    },
  });
}
