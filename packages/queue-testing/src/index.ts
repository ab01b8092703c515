/**
 * Fixtures of the queue integration tests (imported only by `*.int.test.ts`): a simulated machine and
 * its machines file, an in-process reference run, snapshots of the aggregate tables, real worker
 * processes, and Redis clean-up by prefix (the test Redis is shared: never FLUSHALL).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { daysBetween } from '@mm/calendar';
import { type Machine, parseMachinesText } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { etlIds, runEtls } from '@mm/etl';
import { simulatePlant } from '@mm/raw';
import { collectJsonLines, freePort } from '@mm/testing';
import type { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Every aggregate table the ETLs write. */
export const aggregateTables = [
  'agg_sensor_stats',
  'agg_machine_activity_daily',
  'machine_program_data',
  'alerts_daily_count',
  'alerts_detail',
  'energy_consumption_hourly',
] as const;

/** Every aggregate row, as text, table by table, in a stable order. */
export async function snapshot(db: Kysely<AggDatabase>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of aggregateTables) {
    const { rows } = await sql<{ row: string }>`
      select (t.*)::text as row from ${sql.table(table)} as t order by (t.*)::text`.execute(db);
    out[table] = rows.map((r) => r.row);
  }
  return out;
}

/** A simulated `logger` machine (Europe/Madrid), light enough for tests: `days` days from `start`. */
export async function simulateMachine(raw: Kysely<RawDatabase>, start: string, days: number): Promise<void> {
  await simulatePlant({ db: raw, seed: 7, start, days, timezone: 'Europe/Madrid', volume: 0.05 });
}

/** Writes a machines file of `logger` machines in Europe/Madrid; returns its path and the parsed machines. */
export function machinesFile(entries: Array<{ id: string; rawDatabaseUrl: string }>): {
  path: string;
  machines: Machine[];
} {
  const json = JSON.stringify({
    machines: entries.map((e) => ({ ...e, name: e.id, timezone: 'Europe/Madrid', profile: 'logger' })),
  });
  const path = join(mkdtempSync(join(tmpdir(), 'mm-queue-')), 'machines.json');
  writeFileSync(path, json);
  const parsed = parseMachinesText(path, () => json);
  if ('problems' in parsed) throw new Error(JSON.stringify(parsed.problems));
  return { path, machines: parsed.machines };
}

/** The reference: every ETL of every day run in process, one day after the other. */
export async function runInProcess(
  aggDb: Kysely<AggDatabase>,
  rawDb: Kysely<RawDatabase>,
  machine: Machine,
  from: string,
  to: string,
): Promise<void> {
  for (const day of daysBetween(from, to)) {
    const runs = await runEtls({ aggDb, rawDb, machine, etls: etlIds, day });
    const failed = runs.find((r) => !r.ok);
    if (failed && !failed.ok) throw failed.error;
  }
}

/** A queue prefix of this test alone. */
export function uniquePrefix(): string {
  return `mm_t_${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under `prefix` (what a Redis that lost its data would have left of it: nothing). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Polls `check` until it returns a value other than `undefined`/`false`, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The queue processes a test can start, with the variable that sets their `/healthz` port. */
const apps = {
  worker: { main: 'apps/worker/src/main.ts', portVariable: 'WORKER_PORT' },
  scheduler: { main: 'apps/scheduler/src/main.ts', portVariable: 'SCHEDULER_PORT' },
} as const;

/** A real worker (or scheduler) process (`apps/<app>/src/main.ts`), its JSON log lines collected. */
export class WorkerProcess {
  readonly logs: Array<Record<string, unknown>> = [];
  readonly exited: Promise<number | null>;
  private stderr = '';

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly app: keyof typeof apps,
  ) {
    collectJsonLines(child.stdout, this.logs);
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /**
   * Starts a worker with `env` (on top of PATH and HOME) and waits until `/healthz` answers 200. One
   * that does not get there is killed before the error is thrown: the caller never got it to kill,
   * and it would otherwise outlive its test file, working its queue for the rest of the run.
   */
  static async start(env: Record<string, string>, app: keyof typeof apps = 'worker'): Promise<WorkerProcess> {
    const worker = await WorkerProcess.launch(env, app);
    try {
      await worker.untilHealthy();
    } catch (error) {
      worker.kill('SIGKILL');
      await worker.exited;
      throw error;
    }
    return worker;
  }

  /** Starts a worker (or scheduler) with `env` without waiting for it. */
  static async launch(
    env: Record<string, string>,
    app: keyof typeof apps = 'worker',
  ): Promise<WorkerProcess> {
    const port = await freePort();
    // Node itself with tsx's loader: one process, so a SIGKILL reaches the worker (the tsx CLI runs it
    // as a child that would outlive its killed parent).
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, apps[app].main)], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        LOG_LEVEL: 'info',
        [apps[app].portVariable]: String(port),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new WorkerProcess(child, port, app);
  }

  /** Waits until `/healthz` answers 200; fails when the process exits first. */
  async untilHealthy(timeoutMs = 30_000): Promise<void> {
    let exitCode: number | null | undefined;
    void this.exited.then((code) => {
      exitCode = code;
    });
    await waitFor(
      `the ${this.app} to report healthy`,
      async () => {
        if (exitCode !== undefined) throw new Error(`${this.app} exited with ${exitCode}: ${this.stderr}`);
        return (await this.probe('/healthz')) === 200;
      },
      timeoutMs,
      100,
    );
  }

  /** The status of `GET path` on the ops port, or 0 when nothing answers. */
  async probe(path: string): Promise<number> {
    try {
      return (await fetch(`http://127.0.0.1:${this.port}${path}`)).status;
    } catch {
      return 0;
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get stderrText(): string {
    return this.stderr;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text();
  }

  /** Log lines whose message is `msg`. */
  lines(msg: string): Array<Record<string, unknown>> {
    return this.logs.filter((l) => l.msg === msg);
  }
}
