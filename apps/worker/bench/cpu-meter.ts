// CPU time of a bench's client processes and of the PostgreSQL backends serving them (Linux: /proc,
// `ss`), so a run's wall time can be set against what its parts burned on the machine's cores.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { createDb } from '@mm/db';
import { sql } from 'kysely';

type AdminDb = ReturnType<typeof createDb<Record<string, never>>>;

const ticksPerSecond = 100;

/** User + system CPU of a process, in ms (0 once it is gone). */
function processCpuMs(pid: number): number {
  try {
    // Fields after the command name, which sits in parentheses and may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
  } catch {
    return 0;
  }
}

/** Local TCP ports of `pids`' established connections to the PostgreSQL port. */
function postgresClientPorts(pids: readonly number[], pgPort: number): Set<number> {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', `( dport = :${pgPort} )`], {
    encoding: 'utf8',
  });
  const ports = new Set<number>();
  for (const line of out.split('\n')) {
    const owner = /pid=(\d+)/.exec(line);
    if (!owner || !pids.includes(Number(owner[1]))) continue;
    const local = /\S+:(\d+)\s+\S+:\d+/.exec(line);
    if (local) ports.add(Number(local[1]));
  }
  return ports;
}

export interface CpuReading {
  /** Each client process's CPU, ms. */
  clients: number;
  /** The CPU of the PostgreSQL backends connected to them, ms, by database. */
  backends: Map<string, number>;
}

/**
 * Reads the CPU used so far by `pids` and by every PostgreSQL backend connected to them now (found
 * by their client ports in `pg_stat_activity`; the server must be on this host). A backend that
 * closed before the reading is missed: read while the pools are still open.
 *
 * @example
 * const before = await readCpu(admin, [child.pid]); ...; const used = cpuBetween(before, await readCpu(admin, [child.pid]));
 */
export async function readCpu(admin: AdminDb, pids: readonly number[], pgPort = 5432): Promise<CpuReading> {
  const ports = [...postgresClientPorts(pids, pgPort)];
  const { rows } = ports.length
    ? await sql<{ pid: number; datname: string }>`
        select pid, datname from pg_stat_activity where client_port = any(${ports}::int[])
          and client_addr is not null and pid <> pg_backend_pid()`.execute(admin)
    : { rows: [] };
  const backends = new Map<string, number>();
  for (const row of rows) {
    backends.set(`${row.datname}:${row.pid}`, processCpuMs(row.pid));
  }
  return { clients: pids.reduce((sum, pid) => sum + processCpuMs(pid), 0), backends };
}

/** CPU used between two readings: the clients', and the backends' summed by database. */
export function cpuBetween(
  before: CpuReading,
  after: CpuReading,
): { clients: number; backends: Map<string, number> } {
  const byDb = new Map<string, number>();
  for (const [key, ms] of after.backends) {
    const db = key.slice(0, key.lastIndexOf(':'));
    byDb.set(db, (byDb.get(db) ?? 0) + ms - (before.backends.get(key) ?? 0));
  }
  return { clients: after.clients - before.clients, backends: byDb };
}
