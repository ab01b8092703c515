import { rawSchemaSql } from '@mm/db';
import { type Kysely, sql } from 'kysely';

/**
 * Creates the raw (logger) schema if missing, on PostgreSQL and PGlite alike. `createRawSchema`
 * from `@mm/db` sends the whole file as one statement, which PGlite refuses ("cannot insert
 * multiple commands into a prepared statement"), so the statements go one by one.
 *
 * @example
 * const db = createDb<RawDatabase>('pglite:memory');
 * await ensureRawSchema(db);
 */
export async function ensureRawSchema(db: Kysely<any>): Promise<void> {
  const statements = rawSchemaSql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
  for (const statement of statements) await sql.raw(statement).execute(db);
}
