import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';

/** The logger's raw schema (DOMAIN §1), kept as SQL in the repository's `db/raw-schema.sql`. */
export const rawSchemaSql = readFileSync(new URL('../../../db/raw-schema.sql', import.meta.url), 'utf8');

/** The schema's statements one by one (PGlite's extended protocol takes one statement at a time). */
export const rawSchemaStatements: string[] = rawSchemaSql
  .split('\n')
  .filter((line) => !line.trimStart().startsWith('--'))
  .join('\n')
  .split(/;\s*(?:\n|$)/)
  .map((statement) => statement.trim())
  .filter(Boolean);

/**
 * Creates the raw schema if missing: for tests, the demo seeder and the SHDR importer, which own
 * their raw databases. Production raw databases belong to the logger and are never written.
 *
 * @example
 * await createRawSchema(createDb('pglite:./.data/raw-demo'));
 */
export async function createRawSchema(db: Kysely<any>): Promise<void> {
  for (const statement of rawSchemaStatements) await sql.raw(statement).execute(db);
}
