import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDb } from './create-db.ts';
import { createRawSchema, RAW_SCHEMA_FILE, rawSchemaStatements } from './raw-schema.ts';
import type { RawDatabase } from './types.ts';

describe('createRawSchema', () => {
  it('reads the schema from inside the package, and splits it into its three tables', () => {
    const packageDir = fileURLToPath(new URL('..', import.meta.url));
    expect(fileURLToPath(RAW_SCHEMA_FILE).startsWith(packageDir)).toBe(true);
    const statements = rawSchemaStatements();
    expect(statements).toHaveLength(3);
    expect(statements.every((s) => s.startsWith('create table if not exists'))).toBe(true);
  });

  it('creates the raw schema on PGlite, idempotently', async () => {
    const db = createDb<RawDatabase>('pglite:memory');
    try {
      await createRawSchema(db);
      await createRawSchema(db);
      await db.insertInto('variable').values({ id: 1, name: 'x', datatype: 'java.lang.Double' }).execute();
      await db.insertInto('variable_log_float').values({ id_var: 1, date: 1, value: Number.NaN }).execute();
      const row = await db.selectFrom('variable_log_float').selectAll().executeTakeFirstOrThrow();
      expect(row.value).toBeNaN();
    } finally {
      await db.destroy();
    }
  });
});
