import { keepaliveSettings, sessionOptions } from '@mm/db';
import pg from 'pg';

/** A held slot on a machine's raw database; release it when the job ends. */
export interface MachineSlot {
  release(): Promise<void>;
}

/**
 * At most `perMachine` jobs read one machine's raw database at once. `tryAcquire` never waits: a job
 * that finds every slot taken goes back to the queue (delayed) and leaves its worker free for another
 * machine's job.
 */
export interface MachineSlots {
  readonly perMachine: number;
  tryAcquire(machineId: string): Promise<MachineSlot | null>;
  close(): Promise<void>;
}

/**
 * Slots shared by every worker process: slot `i` of machine `m` is the PostgreSQL session advisory
 * lock `(hashtext('mm-machine-slot:' || m), i)` on the aggregation database, held by a connection
 * reserved for the job's duration. The aggregation database is already the one service every worker
 * shares and must reach, and PostgreSQL drops a session's locks when its connection ends: a worker
 * that is killed frees its slots at once, and one whose host vanishes within about half a minute (the
 * server's TCP keepalive, `keepaliveSettings`), with no lease to expire or renew.
 * (Two machine ids whose hashes collide share their slots: safe, merely stricter.)
 *
 * @example
 * const slots = advisoryLockSlots({ url: config.aggDatabaseUrl, perMachine: 2, connections: 2 });
 */
export function advisoryLockSlots(options: {
  url: string;
  perMachine: number;
  /** Connections reserved for slots: the process's job concurrency. */
  connections: number;
  onConnectionError?: (error: Error) => void;
}): MachineSlots {
  if (!Number.isInteger(options.perMachine) || options.perMachine < 1) {
    throw new Error(`perMachine must be a whole number >= 1, not ${options.perMachine}`);
  }
  // Every slot tried in one round trip: CASE evaluates its branches in order and stops at the first
  // true one, so at most one lock is taken and the slots after it are not touched.
  const branches = Array.from(
    { length: options.perMachine },
    (_, slot) => `when pg_try_advisory_lock(key.k, ${slot}) then ${slot}`,
  );
  const takeFirstFreeSlot = `select case ${branches.join(' ')} end as slot from (select hashtext($1) as k) as key`;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.connections,
    application_name: 'mm-worker-slots',
    connectionTimeoutMillis: 10_000,
    // The slot statements are instant; a connection holds its lock idle, outside any transaction.
    options: sessionOptions({
      session: { statementTimeoutMs: 10_000, lockTimeoutMs: 10_000, tcpUserTimeoutMs: 30_000 },
    }),
    keepAlive: true,
    keepAliveInitialDelayMillis: keepaliveSettings.clientInitialDelayMs,
  });
  const onError = options.onConnectionError ?? (() => {});
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return {
    perMachine: options.perMachine,
    async tryAcquire(machineId) {
      const key = `mm-machine-slot:${machineId}`;
      const client = await pool.connect();
      let slot: number | null;
      try {
        const { rows } = await client.query<{ slot: number | null }>(takeFirstFreeSlot, [key]);
        slot = rows[0]?.slot ?? null;
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
      if (slot === null) {
        client.release();
        return null;
      }
      return {
        async release() {
          try {
            await client.query('select pg_advisory_unlock(hashtext($1), $2)', [key, slot]);
            client.release();
          } catch (error) {
            // Closing the connection releases the lock as surely.
            client.release(error as Error);
          }
        },
      };
    },
    close: () => pool.end(),
  };
}

/**
 * Slots counted inside one process, for a single-process deployment (the demo, PGlite).
 *
 * @example
 * const slots = inProcessSlots(2);
 */
export function inProcessSlots(perMachine: number): MachineSlots {
  const held = new Map<string, number>();
  return {
    perMachine,
    async tryAcquire(machineId) {
      const count = held.get(machineId) ?? 0;
      if (count >= perMachine) return null;
      held.set(machineId, count + 1);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          held.set(machineId, (held.get(machineId) ?? 1) - 1);
        },
      };
    },
    async close() {},
  };
}
