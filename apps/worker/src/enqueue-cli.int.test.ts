import { createLogger } from '@mm/config';
import { type AggDatabase, type RawDatabase, RawPools } from '@mm/db';
import { createRedis, redisReady, runEnqueueCli } from '@mm/queue';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { inProcessSlots } from './machine-slots.ts';
import { type EtlWorkers, startEtlWorkers } from './start-workers.ts';
import { deletePrefix, machinesFile, simulateMachine, uniquePrefix } from './testing/queue-fixture.ts';
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
