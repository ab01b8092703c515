import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from './create-db.ts';
import type { AggDatabase } from './types.ts';

// What every pooled PostgreSQL session is opened with, read back from the server: TCP keepalive
// (so the server lets a vanished client's session go within about half a minute) and the session
// limits the caller asked for, the idle-in-transaction one ending a silent client's transaction.

let agg: TestDatabase<AggDatabase>;
beforeAll(async () => {
  agg = await createTestDatabase('agg');
});
afterAll(() => agg.drop());

describe('openDb sessions', () => {
  it('carry server-side keepalive, and the statement, lock, idle-in-transaction and TCP user limits given', async () => {
    const { db } = openDb<AggDatabase>(agg.url, {
      max: 1,
      session: {
        statementTimeoutMs: 120_000,
        lockTimeoutMs: 120_000,
        idleInTransactionTimeoutMs: 90_000,
        tcpUserTimeoutMs: 30_000,
      },
    });
    try {
      const { rows } = await sql<Record<string, string>>`
        select current_setting('statement_timeout') as statement,
               current_setting('lock_timeout') as lock,
               current_setting('idle_in_transaction_session_timeout') as idle,
               current_setting('tcp_user_timeout') as user_timeout,
               current_setting('jit') as jit,
               inet_client_addr() is not null as tcp`.execute(db);
      expect(rows[0]).toMatchObject({
        statement: '2min',
        lock: '2min',
        idle: '90s',
        user_timeout: '30000',
        jit: 'off',
      });
      if (rows[0]?.tcp) {
        // The keepalive settings exist only on TCP connections (a Unix socket reports 0).
        const { rows: keepalive } = await sql<Record<string, string>>`
          select current_setting('tcp_keepalives_idle') as idle,
                 current_setting('tcp_keepalives_interval') as interval,
                 current_setting('tcp_keepalives_count') as count`.execute(db);
        expect(keepalive[0]).toEqual({ idle: '10', interval: '5', count: '3' });
      }
    } finally {
      await db.destroy();
    }
  });

  it('leave the server defaults when no limits are given', async () => {
    const { db } = openDb<AggDatabase>(agg.url, { max: 1 });
    try {
      const { rows } = await sql<{
        statement: string;
      }>`select current_setting('statement_timeout') as statement`.execute(db);
      expect(rows[0]?.statement).toBe('0');
    } finally {
      await db.destroy();
    }
  });

  it('end a transaction whose client stays silent past the idle-in-transaction limit', async () => {
    const { db } = openDb<AggDatabase>(agg.url, { max: 1, session: { idleInTransactionTimeoutMs: 300 } });
    try {
      const failed = await db
        .transaction()
        .execute(async (trx) => {
          await sql`select pg_advisory_xact_lock(42)`.execute(trx);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          return sql`select 1`.execute(trx).then(
            () => null,
            (error: Error) => error.message,
          );
        })
        .catch((error: Error) => error.message);
      expect(failed).toMatch(/idle-in-transaction timeout|terminat|Connection/i);
      // The lock went with the session.
      const other = openDb<AggDatabase>(agg.url, { max: 1 }).db;
      const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_lock(42) as ok`.execute(other);
      expect(rows[0]?.ok).toBe(true);
      await other.destroy();
    } finally {
      await db.destroy();
    }
  });
});
