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
 * A writer using binary COPY (PostgreSQL URLs): the fastest way in, about 5x multi-row inserts
 * (STACK.md). The server's time goes into the primary-key index, one core per COPY; so a day's
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
      try {
        await Promise.all(
          clients.map((client, i) => {
            const [from, to] = [bounds[i] ?? 0, bounds[i + 1] ?? 0];
            const parts = [
              () => copyRows(client, 'variable_log_float', from, to, (a, b) => encodeFloatRows(float, a, b)),
            ];
            if (i === 0) {
              parts.push(() =>
                copyRows(client, 'variable_log_string', 0, day.string.length, (a, b) =>
                  encodeStringRows(day.string, a, b),
                ),
              );
            }
            return load(client, parts);
          }),
        );
      } catch (error) {
        throw new Error(`writing ${day.day} failed: ${(error as Error).message}`, { cause: error });
      }
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.end()));
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

async function copyRows(
  client: pg.Client,
  table: string,
  from: number,
  to: number,
  encode: (from: number, to: number) => Buffer,
): Promise<void> {
  if (to <= from) return;
  const stream = client.query(copyFrom(`copy ${table} (id_var, date, value) from stdin (format binary)`));
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
