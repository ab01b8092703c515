import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createDb, createRawSchema, parseDbUrl, type RawDatabase, rawSchemaSql } from '@mm/db';
import { CompiledQuery, type Kysely } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export type SqlValue = number | string | null;

export interface QueryResult<R> {
  rows: R[];
  /** Rows an INSERT/UPDATE/DELETE touched (0 for a SELECT). */
  rowCount: number;
}

/** Buffers rows for one table and writes them in bulk. */
export interface RowWriter {
  push(row: readonly SqlValue[]): void;
  /** Enough rows are buffered: `flush()` before pushing more, so memory stays bounded. */
  readonly full: boolean;
  flush(): Promise<void>;
  /** Writes what is left and finishes; the rows are in the table once it resolves. */
  end(): Promise<void>;
}

/** One database session (temp tables and transactions live in a session). */
export interface SqlSession {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  rowWriter(table: string, columns: readonly string[]): RowWriter;
}

/**
 * Where the importer writes: a PostgreSQL client that streams rows with COPY, or any Kysely database
 * (PGlite, or a PostgreSQL pool) written with multi-row INSERTs. Both run the same SQL otherwise.
 */
export interface RawTarget extends Pick<SqlSession, 'query'> {
  readonly method: 'copy' | 'insert';
  createSchema(): Promise<void>;
  /** Runs `fn` in one transaction on one session. */
  transaction<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Closes what `openRawTarget` opened (a caller's Kysely instance is left open). */
  close(): Promise<void>;
}

/**
 * Opens a raw database for writing: `postgres://…` with its own client (COPY), `pglite:…` through
 * `createDb`, or a Kysely instance the caller owns.
 *
 * @example
 * const target = await openRawTarget('postgres://postgres@127.0.0.1:5432/mazak01');
 * try { … } finally { await target.close(); }
 */
export async function openRawTarget(target: string | Kysely<RawDatabase>): Promise<RawTarget> {
  if (typeof target !== 'string') return kyselyTarget(target, false);
  const where = parseDbUrl(target);
  if (where.kind === 'pglite') return kyselyTarget(createDb<RawDatabase>(target), true);
  // JIT off as in createDb: it costs more than it saves on these short statements.
  const client = new pg.Client({
    connectionString: where.url,
    options: '-c jit=off',
    application_name: 'mm-raw-import-shdr',
  });
  await client.connect();
  return pgClientTarget(client);
}

function pgClientTarget(client: pg.Client): RawTarget {
  const session: SqlSession = {
    async query<R>(text: string, params?: readonly unknown[]) {
      const result = await client.query(text, params ? [...params] : undefined);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    rowWriter: (table, columns) => new CopyRowWriter(client, table, columns),
  };
  return {
    method: 'copy',
    query: session.query,
    async createSchema() {
      await client.query(rawSchemaSql());
    },
    async transaction(fn) {
      await client.query('begin');
      try {
        const result = await fn(session);
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      }
    },
    close: () => client.end(),
  };
}

function kyselyTarget(db: Kysely<RawDatabase>, owned: boolean): RawTarget {
  const sessionOf = (on: Kysely<RawDatabase>): SqlSession => ({
    async query<R>(text: string, params: readonly unknown[] = []) {
      const result = await on.executeQuery<R>(CompiledQuery.raw(text, [...params]));
      return { rows: [...result.rows], rowCount: Number(result.numAffectedRows ?? 0n) };
    },
    rowWriter: (table, columns) => new InsertRowWriter(sessionOf(on), table, columns),
  });
  const session = sessionOf(db);
  return {
    method: 'insert',
    query: session.query,
    createSchema: () => createRawSchema(db),
    transaction: (fn) => db.transaction().execute((trx) => fn(sessionOf(trx))),
    close: async () => {
      if (owned) await db.destroy();
    },
  };
}

// COPY's text format: tab-separated, `\N` for NULL, backslash escapes for the characters it uses.
function copyField(value: SqlValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value); // NaN and ±Infinity are valid real input
  return value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

class CopyRowWriter implements RowWriter {
  private readonly stream;
  private buffer: string[] = [];
  private bytes = 0;
  private failure: Error | undefined;

  constructor(client: pg.Client, table: string, columns: readonly string[]) {
    this.stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
    // A COPY the server rejects errors the stream at any time; keep it to throw from flush/end.
    this.stream.on('error', (error: Error) => {
      this.failure ??= error;
    });
  }

  get full(): boolean {
    return this.bytes >= 1 << 18;
  }

  push(row: readonly SqlValue[]): void {
    const line = `${row.map(copyField).join('\t')}\n`;
    this.buffer.push(line);
    this.bytes += line.length;
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.bytes = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async end(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream).catch((error: Error) => {
      throw this.failure ?? error;
    });
    if (this.failure) throw this.failure;
  }
}

// PostgreSQL takes at most 65535 parameters per statement; 1000 rows keeps far below it and is where
// multi-row INSERT reaches its speed (~150 k rows/s measured on PostgreSQL 15).
const INSERT_BATCH_ROWS = 1000;

class InsertRowWriter implements RowWriter {
  private rows: (readonly SqlValue[])[] = [];

  constructor(
    private readonly session: SqlSession,
    private readonly table: string,
    private readonly columns: readonly string[],
  ) {}

  get full(): boolean {
    return this.rows.length >= INSERT_BATCH_ROWS;
  }

  push(row: readonly SqlValue[]): void {
    this.rows.push(row);
  }

  async flush(): Promise<void> {
    while (this.rows.length > 0) {
      const batch = this.rows.splice(0, INSERT_BATCH_ROWS);
      const width = this.columns.length;
      const tuples = batch.map(
        (_, r) => `(${this.columns.map((_, c) => `$${r * width + c + 1}`).join(', ')})`,
      );
      await this.session.query(
        `insert into ${this.table} (${this.columns.join(', ')}) values ${tuples.join(', ')}`,
        batch.flat(),
      );
    }
  }

  end(): Promise<void> {
    return this.flush();
  }
}
