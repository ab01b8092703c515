import { createLogger } from '@mm/config';
import { type AggDatabase, type RawDatabase, RawPools } from '@mm/db';
import { createRedis, redisReady, runEnqueueCli } from '@mm/queue';
import { deletePrefix, machinesFile, simulateMachine, uniquePrefix } from '@mm/queue-testing';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { inProcessSlots } from './machine-slots.ts';
import { type EtlWorkers, startEtlWorkers } from './start-workers.ts';
import { createWorkerMetrics } from './worker-metrics.ts';

// `pnpm etl enqueue` end to end: the CLI queues, workers in this process run the jobs.

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let workerConnection: Redis;
let admin: Redis;
let workers: EtlWorkers;
const prefix = uniquePrefix();
let env: Record<string, string>;

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  await simulateMachine(raw.db, '2024-03-25', 2);
  const missing = new URL(raw.url);
  missing.pathname = `/mm_t_${inject('runId')}_raw_never`;
  const file = machinesFile([
    { id: 'press-07', rawDatabaseUrl: raw.url },
    { id: 'press-08', rawDatabaseUrl: missing.toString() },
  ]);
  env = {
    AGG_DATABASE_URL: agg.url,
    MACHINES_FILE: file.path,
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: prefix,
    JOB_ATTEMPTS: '1',
  };
  workerConnection = createRedis(inject('redisUrl'), 'worker');
  admin = createRedis(inject('redisUrl'), 'producer');
  await redisReady(admin);
  workers = startEtlWorkers({
    connection: workerConnection,
    prefix,
    concurrency: 2,
    stalledIntervalMs: 1000,
    aggDb: agg.db,
    rawDb: (machine) => pools.rawDb(machine),
    machines: new Map(file.machines.map((m) => [m.id, m])),
    slots: inProcessSlots(2),
    metrics: createWorkerMetrics(),
    logger: createLogger({ app: 'test', level: 'silent' }),
    slotRetryDelayMs: 200,
  });
});

const pools = new RawPools({ applicationName: 'test', maxConnections: 2 });

afterAll(async () => {
  await workers.drain(5_000);
  await deletePrefix(admin, prefix);
  workerConnection.disconnect();
  admin.disconnect();
  await pools.destroyAll();
  await Promise.all([agg.drop(), raw.drop()]);
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runEnqueueCli(argv, {
    env,
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
  });
  return { code, out, err };
}

describe('pnpm etl enqueue', () => {
  it('queues a range, waits with progress, and exits 0 when every slice completed', async () => {
    const { code, out } = await cli('all', '2024-03-25', '2024-03-26', '--machine', 'press-07', '--wait');
    expect(out).toContain('queued 10 slices: 10 new, 0 re-run');
    expect(out).toMatch(/\[#+\] 10\/10 slices, 0 failed/);
    expect(out).toContain('all 10 slices completed');
    expect(code).toBe(0);
  });

  it('re-runs days that completed before', async () => {
    const { code, out } = await cli('energy', '2024-03-25', '--machine', 'press-07', '--wait');
    expect(out).toContain('queued 1 slices: 0 new, 1 re-run');
    expect(code).toBe(0);
    const run = await agg.db
      .selectFrom('etl_runs')
      .select(['attempts', 'status'])
      .where('etl', '=', 'energy')
      .where('day', '=', '2024-03-25')
      .executeTakeFirstOrThrow();
    expect(run).toEqual({ attempts: 2, status: 'succeeded' });
  });

  it('lists the failed slices and exits 1', async () => {
    const { code, out } = await cli('energy', '2024-03-25', '--machine', 'press-08', '--wait');
    expect(out).toContain('1 of 1 slices failed:');
    expect(out).toMatch(/press-08__energy__2024-03-25: .*does not exist/);
    expect(code).toBe(1);
  });

  it('queues only the days of a range that the machine has raw data for, saying which it left out', async () => {
    const { code, out } = await cli('energy', '2024-03-01', '2024-03-31', '--machine', 'press-07');
    expect(code).toBe(0);
    // The simulated machine logs from 2024-03-25 to 2024-03-26 (Europe/Madrid).
    expect(out).toContain('press-07: 29 day(s) outside its raw data (2024-03-25 to 2024-03-26) not queued');
    expect(out).toMatch(/queued 2 slices/);
    const before = await agg.db
      .selectFrom('etl_runs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('day', '<', '2024-03-25')
      .executeTakeFirstOrThrow();
    expect(Number(before.n)).toBe(0);
  });

  it('refuses dates outside the supported years and ranges longer than the API takes', async () => {
    const years = await cli('all', '0001-01-01', '9999-12-31');
    expect(years.code).toBe(2);
    expect(years.err).toContain("'0001-01-01' is outside the supported dates 1970-01-01 to 2099-12-31");
    const long = await cli('energy', '2024-01-01', '2025-03-01', '--machine', 'press-07');
    expect(long.code).toBe(2);
    expect(long.err).toContain('2024-01-01..2025-03-01 is 426 days, more than 366 at once');
    const leapYear = await cli('energy', '2024-01-01', '2024-12-31', '--machine', 'press-07');
    expect(leapYear.code).toBe(0);
    expect(leapYear.out).toMatch(/queued 2 slices/);
  });

  it('refuses bad arguments (2) and bad configuration (78), saying why', async () => {
    const bad = await cli('nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("unknown ETL 'nope'");
    // Every problem of what it reads at once; a worker-only variable is not its business.
    let err = '';
    const code = await runEnqueueCli(['all'], {
      env: { ...env, QUEUE_PREFIX: 'a:b', JOB_ATTEMPTS: '0', WORKER_CONCURRENCY: 'x' },
      stdout: { write: () => true },
      stderr: {
        write: (t: string) => {
          err += t;
          return true;
        },
      },
    });
    expect(code).toBe(78);
    expect(err).toMatch(/QUEUE_PREFIX.*\n.*JOB_ATTEMPTS/s);
    expect(err).not.toContain('WORKER_CONCURRENCY');
  });
});
