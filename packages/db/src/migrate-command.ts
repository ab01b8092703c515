import { createLogger, loadConfigOrExit, redactUrl } from '@mm/config';
import { createDb } from './create-db.ts';
import { migrateToLatest } from './migrate.ts';
import { DatabaseWaitTimeoutError, waitForDatabase } from './wait-for-database.ts';

const USAGE_LINE = 'usage: pnpm db:migrate [--wait <seconds>]';

export const MIGRATE_USAGE = `${USAGE_LINE}

Brings the aggregation database (AGG_DATABASE_URL) up to date with the code's migrations. A deploy
step, never a side effect of starting an app. It waits for a database that does not answer yet (a
container started beside it), 60 s unless --wait says.
Exit status: 0 up to date, 1 cannot migrate, 2 bad arguments, 78 bad configuration.`;

/**
 * `pnpm db:migrate [--wait <seconds>]` with the arguments after `migrate`, on this process's
 * environment and stderr; resolves to the exit status.
 *
 * @example
 * process.exitCode = await migrateCommand(['--wait', '30']);
 */
export async function migrateCommand(options: readonly string[]): Promise<number> {
  if (options.includes('--help') || options.includes('-h')) {
    process.stdout.write(`${MIGRATE_USAGE}\n`);
    return 0;
  }
  const waitFlag = options[0] === '--wait' ? options[1] : undefined;
  const waitSeconds = waitFlag === undefined ? 60 : Number(waitFlag);
  if (
    options.length !== (waitFlag === undefined ? 0 : 2) ||
    !Number.isInteger(waitSeconds) ||
    waitSeconds < 0
  ) {
    console.error(USAGE_LINE);
    return 2;
  }
  // Only AGG_DATABASE_URL and LOG_LEVEL: a bad PORT or machines file is not this command's business.
  const config = loadConfigOrExit(process.env, { app: 'db-migrate' });
  const url = config.aggDatabaseUrl;
  const logger = createLogger({ app: 'db', level: config.logLevel });
  const db = createDb(url, { max: 1 });
  try {
    await waitForDatabase(db, {
      timeoutMs: waitSeconds * 1000,
      // The first refusal and then every 10th: a line every ~10 s says what it waits for, and why.
      onWaiting: ({ error, attempt, elapsedMs }) => {
        if (attempt % 10 !== 1) return;
        logger.info(
          {
            database: redactUrl(url),
            reason: rootCause(error),
            waitedSeconds: Math.round(elapsedMs / 1000),
            waitSeconds,
          },
          'waiting for the aggregation database to accept connections',
        );
      },
    });
    const { applied } = await migrateToLatest(db);
    logger.info({ database: redactUrl(url), applied }, applied.length ? 'migrated' : 'already up to date');
    return 0;
  } catch (error) {
    // One line for the operator: which database (password masked) and why, no stack trace.
    const why =
      error instanceof DatabaseWaitTimeoutError
        ? `${rootCause(error.cause)} (still no answer after ${waitSeconds} s)`
        : rootCause(error);
    console.error(`db: cannot migrate ${redactUrl(url)}: ${why}`);
    return 1;
  } finally {
    await db.destroy().catch(() => {});
  }
}

/** The innermost message, on one line: `connect ECONNREFUSED 127.0.0.1:5432`, `database "agg" does not exist`. */
function rootCause(error: unknown): string {
  let inner = error;
  const seen = new Set<unknown>();
  while (inner instanceof Error && inner.cause !== undefined && !seen.has(inner)) {
    seen.add(inner);
    inner = inner.cause;
  }
  if (inner instanceof AggregateError && inner.errors[0] instanceof Error) inner = inner.errors[0];
  const text = inner instanceof Error ? inner.message || inner.name : String(inner);
  const outer = error instanceof Error && error !== inner ? `${error.message}: ` : '';
  return `${outer}${text}`.replace(/\s+/g, ' ').trim().slice(0, 300);
}
