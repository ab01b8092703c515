import { once } from 'node:events';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { insertLogRows } from '../log-rows.ts';
import { COPY_HEADER, COPY_TRAILER, encodeFloatRows, encodeStringRows } from './binary-copy.ts';
import type { DayBatch } from './plant.ts';

/** Writes simulated days to a raw database, each day in one transaction. */
export interface DayWriter {
  readonly method: 'copy' | 'insert';
  write(day: DayBatch): Promise<void>;
  close(): Promise<void>;
}

// Rows per buffer handed to the socket: big enough to amortise the calls, small enough that the
// socket starts sending while the rest is still being encoded.
const COPY_CHUNK = 16_384;

/**
 * A writer using binary COPY on its own `pg` connection (PostgreSQL URLs): the fastest way in,
 * about 5x multi-row inserts (STACK.md).
 */
export async function copyWriter(url: string): Promise<DayWriter> {
  const client = new pg.Client({ connectionString: url, application_name: 'mm-raw-simulate' });
  await client.connect();
  // A dead connection fails the pending query; without a listener it would also crash the process.
  client.on('error', () => {});
  const copy = async (table: string, encode: (from: number, to: number) => Buffer, length: number) => {
    if (length === 0) return;
    const stream = client.query(copyFrom(`copy ${table} (id_var, date, value) from stdin (format binary)`));
    const finished = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    // Awaited below; this only keeps an early failure from counting as unhandled meanwhile.
    finished.catch(() => {});
    stream.write(COPY_HEADER);
    for (let from = 0; from < length; from += COPY_CHUNK) {
      if (!stream.write(encode(from, Math.min(length, from + COPY_CHUNK)))) {
        await Promise.race([once(stream, 'drain'), finished]);
      }
    }
    stream.end(COPY_TRAILER);
    await finished;
  };
  return {
    method: 'copy',
    async write(day) {
      await client.query('begin');
      try {
        await copy('variable_log_float', (a, b) => encodeFloatRows(day.float, a, b), day.float.length);
        await copy('variable_log_string', (a, b) => encodeStringRows(day.string, a, b), day.string.length);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw new Error(`writing ${day.day} failed: ${(error as Error).message}`, { cause: error });
      }
    },
    close: () => client.end(),
  };
}

/** A writer using set-based inserts on a Kysely database (PGlite, or any `Kysely<RawDatabase>`). */
export function insertWriter(db: Kysely<any>): DayWriter {
  return {
    method: 'insert',
    async write(day) {
      const floatValues: Array<number | null> = new Array(day.float.length);
      for (let i = 0; i < day.float.length; i++) {
        floatValues[i] = day.float.isNull[i] ? null : (day.float.values[i] as number);
      }
      try {
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
      } catch (error) {
        throw new Error(`writing ${day.day} failed: ${(error as Error).message}`, { cause: error });
      }
    },
    close: async () => {},
  };
}
