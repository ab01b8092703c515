import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';

/** The logger's raw schema (DOMAIN §1), kept as SQL in the repository's `db/raw-schema.sql`. */
export const rawSchemaSql = readFileSync(new URL('../../../db/raw-schema.sql', import.meta.url), 'utf8');

/**
 * Creates the raw schema if missing: for tests, the demo seeder and the SHDR importer, which own
 * their raw databases. Production raw databases belong to the logger and are never written.
 */
export async function createRawSchema(db: Kysely<any>): Promise<void> {
  await sql.raw(rawSchemaSql).execute(db);
}
