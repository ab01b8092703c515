import { createLogger, loadConfigOrExit, redactUrl } from '@mm/config';
import { createDb } from './create-db.ts';
import { migrateToLatest } from './migrate.ts';

// `pnpm db:migrate`: a deploy step, never a side effect of starting an app.
const [command] = process.argv.slice(2);
if (command !== 'migrate') {
  console.error('usage: pnpm db:migrate');
  process.exit(2);
}
// Only AGG_DATABASE_URL and LOG_LEVEL: a bad PORT or machines file is not this command's business.
const config = loadConfigOrExit(process.env, { app: 'db-migrate' });
const url = config.aggDatabaseUrl;
const logger = createLogger({ app: 'db', level: config.logLevel });
const db = createDb(url, { max: 1 });
try {
  const { applied } = await migrateToLatest(db);
  logger.info({ database: redactUrl(url), applied }, applied.length ? 'migrated' : 'already up to date');
} catch (error) {
  // One line for the operator: which database (password masked) and why, no stack trace.
  console.error(`db: cannot migrate ${redactUrl(url)}: ${rootCause(error)}`);
  process.exitCode = 1;
} finally {
  await db.destroy().catch(() => {});
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
