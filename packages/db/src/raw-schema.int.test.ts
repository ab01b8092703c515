import { describe, expect, it } from 'vitest';
import { createDb } from './create-db.ts';
import { createRawSchema, rawSchemaStatements } from './raw-schema.ts';
import type { RawDatabase } from './types.ts';

describe('createRawSchema', () => {
  it('splits the schema file into its three tables', () => {
    expect(rawSchemaStatements).toHaveLength(3);
    expect(rawSchemaStatements.every((s) => s.startsWith('create table if not exists'))).toBe(true);
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
