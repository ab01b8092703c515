import { randomBytes } from 'node:crypto';
import { type AggDatabase, createDb, type RawDatabase } from '@mm/db';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { withDatabase } from './global-setup.ts';
import { runDatabaseName } from './run-databases.ts';

export interface TestDatabase<DB> {
  name: string;
  url: string;
  db: Kysely<DB>;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/**
 * A fresh database cloned from the run's template: the migrated aggregation schema (`agg`) or the
 * raw logger schema (`raw`). Each test file gets its own, so files run in parallel unseen.
 *
 * @example
 * const agg = await createTestDatabase('agg');
 * afterAll(() => agg.drop());
 */
export async function createTestDatabase(kind: 'agg'): Promise<TestDatabase<AggDatabase>>;
export async function createTestDatabase(kind: 'raw'): Promise<TestDatabase<RawDatabase>>;
export async function createTestDatabase(
  kind: 'agg' | 'raw',
): Promise<TestDatabase<AggDatabase> | TestDatabase<RawDatabase>> {
  const pgUrl = inject('pgUrl');
  const template = inject(kind === 'agg' ? 'aggTemplate' : 'rawTemplate');
  const name = runDatabaseName(inject('runId'), `${kind}_${randomBytes(4).toString('hex')}`);
  await adminQuery(pgUrl, `create database ${name} template ${template}`);
  const url = withDatabase(pgUrl, name);
  const db = createDb<AggDatabase & RawDatabase>(url, { max: 4 });
  return {
    name,
    url,
    db,
    async drop() {
      await db.destroy();
      await adminQuery(pgUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

// Cloning a template fails while another clone of it is starting; retry briefly.
async function adminQuery(pgUrl: string, text: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      await client.query(text);
      return;
    } catch (error) {
      const busy = /is being accessed by other users/.test((error as Error).message);
      if (!busy || attempt >= 20) throw error;
    } finally {
      await client.end();
    }
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
  }
}
