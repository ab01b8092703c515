import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import type { RawDatabase } from './types.ts';

/** The logger's raw schema as SQL, inside this package: `packages/db/sql/raw-schema.sql`. */
export const RAW_SCHEMA_FILE = new URL('../sql/raw-schema.sql', import.meta.url);

let cached: string | undefined;

/**
 * The raw schema's SQL (docs/domain.md, raw data), read on first use: importing `@mm/db` reads no
 * file, so a process that never creates a raw schema (the API, the workers) never needs it.
 *
 * @example
 * await client.query(rawSchemaSql());
 */
export function rawSchemaSql(): string {
  cached ??= readFileSync(RAW_SCHEMA_FILE, 'utf8');
  return cached;
}

/** The schema's statements one by one (PGlite's extended protocol takes one statement at a time). */
export function rawSchemaStatements(): string[] {
  return rawSchemaSql()
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter(Boolean);
}

/**
 * Creates the raw schema if missing: for tests, the demo seeder and the SHDR importer, which own
 * their raw databases. Production raw databases belong to the logger and are never written.
 *
 * @example
 * await createRawSchema(createDb('pglite:./.data/raw-demo'));
 */
export async function createRawSchema(db: Kysely<RawDatabase>): Promise<void> {
  for (const statement of rawSchemaStatements()) await sql.raw(statement).execute(db);
}
