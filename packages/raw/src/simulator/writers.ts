import { once } from 'node:events';
import type { RawDatabase } from '@mm/db';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { insertLogRows } from '../log-rows.ts';
import { COPY_HEADER, COPY_TRAILER, encodeFloatRows, encodeStringRows } from './binary-copy.ts';
import type { DayBatch, FloatRows, StringRows } from './plant.ts';

/** Writes simulated days to a raw database. */
export interface DayWriter {
  readonly method: 'copy' | 'bulk-copy' | 'insert';
  /** A failure is the driver's error as is: the caller says which day it was writing. */
  write(day: DayBatch): Promise<void>;
  /** After the last day: makes everything durable (a no-op where each day already committed). */
  finish(): Promise<void>;
  /** Releases connections; rolls back what `finish` did not commit. */
  close(): Promise<void>;
}

/** The raw tables were written to while the simulator was starting. */
export class TablesNotEmptyError extends Error {
  override name = 'TablesNotEmptyError';
}

// Rows per buffer handed to the socket: big enough to amortise the calls, small enough that the
// socket starts sending while the rest is still being encoded.
const COPY_CHUNK = 16_384;

/**
 * A writer using binary COPY (PostgreSQL URLs): the fastest way in, about 5x multi-row inserts on
 * PostgreSQL 15. The server's time goes into the primary-key index, one core per COPY; so a day's
 * float rows (grouped by variable, so each part is its own key range) are split over `connections`
 * sessions that load in parallel, each part in its own transaction.
 */
export async function copyWriter(url: string, connections = 2): Promise<DayWriter> {
  const clients: pg.Client[] = [];
  try {
    for (let i = 0; i < connections; i++) {
      const client = new pg.Client({ connectionString: url, application_name: 'mm-raw-simulate' });
      // A dead connection fails the pending query; without a listener it would also crash the process.
      client.on('error', () => {});
      clients.push(client);
      await client.connect();
    }
  } catch (error) {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    throw error;
  }
  const load = async (client: pg.Client, parts: Array<() => Promise<void>>) => {
    await client.query('begin');
    try {
      for (const part of parts) await part();
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    }
  };
  return {
    method: 'copy',
    async write(day) {
      const float = day.float;
      const bounds = splitAtIdChanges(float.ids, clients.length);
      await Promise.all(
        clients.map((client, i) => {
          const [from, to] = [bounds[i] ?? 0, bounds[i + 1] ?? 0];
          const parts = [() => copyFloatRows(client, float, from, to)];
          if (i === 0) parts.push(() => copyStringRows(client, day.string, 0, day.string.length));
          return load(client, parts);
        }),
      );
    },
    finish: async () => {},
    close: async () => {
      await Promise.all(clients.map((c) => c.end()));
    },
  };
}

const LOG_TABLES = ['variable_log_float', 'variable_log_string'] as const;

/**
 * A writer for empty log tables (a fresh simulated database, the benchmark's case): one transaction
 * that locks and truncates them, drops their primary keys, COPYs every day with FREEZE, then adds
 * the keys back. Building an index once is about twice as fast as maintaining it row by row, the
 * index comes out compact, and frozen rows spare the first reader from setting hint bits on 8 M
 * rows. The schema is the same after commit; a failure rolls everything back.
 */
export async function bulkCopyWriter(url: string): Promise<DayWriter> {
  const client = new pg.Client({ connectionString: url, application_name: 'mm-raw-simulate' });
  client.on('error', () => {});
  await client.connect();
  const keys: Array<{ table: string; name: string; definition: string }> = [];
  let open = false;
  try {
    await client.query('begin');
    open = true;
    await client.query(`lock table ${LOG_TABLES.join(', ')} in access exclusive mode`);
    const { rows } = await client.query<{ busy: boolean }>(
      `select exists (select 1 from variable_log_float) or exists (select 1 from variable_log_string) as busy`,
    );
    if (rows[0]?.busy) throw new TablesNotEmptyError('the raw log tables are no longer empty');
    for (const table of LOG_TABLES) {
      const found = await client.query<{ name: string; definition: string }>(
        `select conname as name, pg_get_constraintdef(oid) as definition
         from pg_constraint where conrelid = $1::regclass and contype = 'p'`,
        [table],
      );
      for (const key of found.rows) keys.push({ table, ...key });
    }
    // Truncating in this transaction is what allows COPY … FREEZE.
    await client.query(`truncate ${LOG_TABLES.join(', ')}`);
    for (const key of keys) await client.query(`alter table ${key.table} drop constraint "${key.name}"`);
  } catch (error) {
    if (open) await client.query('rollback').catch(() => {});
    await client.end().catch(() => {});
    throw error;
  }
  return {
    method: 'bulk-copy',
    async write(day) {
      await copyFloatRows(client, day.float, 0, day.float.length, true);
      await copyStringRows(client, day.string, 0, day.string.length, true);
    },
    async finish() {
      for (const key of keys) {
        await client.query(`alter table ${key.table} add constraint "${key.name}" ${key.definition}`);
      }
      await client.query('commit');
      open = false;
    },
    async close() {
      if (open) await client.query('rollback').catch(() => {});
      await client.end();
    },
  };
}

/** Row indexes cutting [0, ids.length) into `parts` nearly equal ranges, each cut where the id changes. */
export function splitAtIdChanges(ids: Int32Array, parts: number): number[] {
  const bounds = [0];
  for (let p = 1; p < parts; p++) {
    let cut = Math.max(bounds[p - 1] ?? 0, Math.round((ids.length * p) / parts));
    while (cut > 0 && cut < ids.length && ids[cut] === ids[cut - 1]) cut++;
    bounds.push(cut);
  }
  bounds.push(ids.length);
  return bounds;
}

const copyFloatRows = (client: pg.Client, rows: FloatRows, from: number, to: number, freeze = false) =>
  copyRows(client, 'variable_log_float', from, to, (a, b) => encodeFloatRows(rows, a, b), freeze);

const copyStringRows = (client: pg.Client, rows: StringRows, from: number, to: number, freeze = false) =>
  copyRows(client, 'variable_log_string', from, to, (a, b) => encodeStringRows(rows, a, b), freeze);

async function copyRows(
  client: pg.Client,
  table: string,
  from: number,
  to: number,
  encode: (from: number, to: number) => Buffer,
  freeze = false,
): Promise<void> {
  if (to <= from) return;
  const stream = client.query(
    copyFrom(`copy ${table} (id_var, date, value) from stdin (format binary${freeze ? ', freeze' : ''})`),
  );
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  // Awaited below; this only keeps an early failure from counting as unhandled meanwhile.
  finished.catch(() => {});
  stream.write(COPY_HEADER);
  for (let at = from; at < to; at += COPY_CHUNK) {
    if (!stream.write(encode(at, Math.min(to, at + COPY_CHUNK)))) {
      await Promise.race([once(stream, 'drain'), finished]);
    }
  }
  stream.end(COPY_TRAILER);
  await finished;
}

/** A writer using set-based inserts on a Kysely database (PGlite, or any `Kysely<RawDatabase>`). */
export function insertWriter(db: Kysely<RawDatabase>): DayWriter {
  return {
    method: 'insert',
    async write(day) {
      const floatValues: Array<number | null> = new Array(day.float.length);
      for (let i = 0; i < day.float.length; i++) {
        floatValues[i] = day.float.isNull[i] ? null : (day.float.values[i] as number);
      }
      await db.transaction().execute(async (trx) => {
        await insertLogRows(trx, 'variable_log_float', {
          ids: Array.from(day.float.ids),
          dates: Array.from(day.float.dates),
          values: floatValues,
        });
        await insertLogRows(trx, 'variable_log_string', {
          ids: Array.from(day.string.ids),
          dates: Array.from(day.string.dates),
          values: day.string.values,
        });
      });
    },
    finish: async () => {},
    close: async () => {},
  };
}
