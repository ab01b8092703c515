import { createLogger, databaseUrlSchema, redactUrl } from '@mm/config';
import { createDb } from './create-db.ts';
import { migrateToLatest } from './migrate.ts';

// `pnpm db:migrate`: a deploy step, never a side effect of starting an app.
const [command] = process.argv.slice(2);
if (command !== 'migrate') {
  console.error('usage: pnpm db:migrate');
  process.exit(2);
}
const parsed = databaseUrlSchema.safeParse(process.env.AGG_DATABASE_URL?.trim() || 'pglite:./.data/agg');
if (!parsed.success) {
  console.error(`Invalid configuration:\n  - AGG_DATABASE_URL: ${parsed.error.issues[0]?.message}`);
  process.exit(2);
}
const url = parsed.data;
const level = process.env.LOG_LEVEL?.trim() || 'info';
if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
  console.error(
    `Invalid configuration:\n  - LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent`,
  );
  process.exit(2);
}
const logger = createLogger({ app: 'db', level });
const db = createDb(url, { max: 1 });
try {
  const { applied } = await migrateToLatest(db);
  logger.info({ database: redactUrl(url), applied }, applied.length ? 'migrated' : 'already up to date');
} catch (error) {
  logger.error({ err: error }, 'migration failed');
  process.exitCode = 1;
} finally {
  await db.destroy();
}
