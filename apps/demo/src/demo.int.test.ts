import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@mm/config';
import { createEtlQueues, createRedis, planQueueName, redisReady } from '@mm/queue';
import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE } from './data-dir-lock.ts';
import { DamagedDatabaseError } from './demo-databases.ts';
import { demoSettingsFromEnv } from './demo-settings.ts';
import { type DemoRuntime, prepareDemo } from './prepare-demo.ts';
import { demoQueuePrefix } from './queue-demo.ts';
import { MARKER_FILE } from './seed-marker.ts';
import { assertPortFree, PortUnavailableError, serveDemo } from './serve-demo.ts';

// The demo end to end on embedded PGlite in a temporary directory: seed a tiny press-07 (three
// working days, Tuesday to Thursday), aggregate it with the real ETLs, serve the real API on an
// ephemeral port and read it over HTTP. No PostgreSQL involved. Without Redis (a port nobody listens
// on) the ETLs run in process; with the test run's Redis they run through the queues (the scheduler
// and a worker in the demo's process), and the tables come out the same.

const root = mkdtempSync(join(tmpdir(), 'mm-demo-test-'));
const settings = {
  ...demoSettingsFromEnv({
    DEMO_DATA_DIR: join(root, 'demo'),
    DEMO_DAYS: '3',
    DEMO_VOLUME: '0.01',
    DEMO_LAST_DAY: '2024-03-28',
  }),
  nistDir: null, // the real machine's import is the NIST report's business; keep this test small
};
const logger = createLogger({ app: 'demo-test', level: 'silent' });
const open: DemoRuntime[] = [];

afterAll(async () => {
  await Promise.allSettled(open.map((demo) => demo.close()));
  rmSync(root, { recursive: true, force: true });
});

const noRedis = { REDIS_URL: 'redis://127.0.0.1:1' };
let inProcessTables: Record<string, unknown[]> | null = null;

/** Every aggregate table's rows, in a fixed order (the ledger's timings and attempts left out). */
async function aggregateTables(demo: DemoRuntime): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const table of [
    'agg_sensor_stats',
    'agg_machine_activity_daily',
    'machine_program_data',
    'alerts_daily_count',
    'alerts_detail',
    'energy_consumption_hourly',
  ]) {
    const { rows } = await sql<
      Record<string, unknown>
    >`select * from ${sql.table(table)} order by 1, 2, 3, 4`.execute(demo.dbs.agg);
    tables[table] = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'id')));
  }
  const { rows } =
    await sql`select machine_id, etl, day, status, complete, rows_read, rows_written from etl_runs order by 1, 2, 3`.execute(
      demo.dbs.agg,
    );
  tables.etl_runs = rows;
  return tables;
}

async function start(): Promise<{ demo: DemoRuntime; lines: string[] }> {
  const lines: string[] = [];
  const demo = await prepareDemo(settings, { env: noRedis, logger, report: (line) => lines.push(line) });
  open.push(demo);
  return { demo, lines };
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// biome-ignore lint/suspicious/noExplicitAny: a JSON document the test explores field by field
async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

async function etlRuns(demo: DemoRuntime): Promise<Array<{ day: string; attempts: number }>> {
  return demo.dbs.agg
    .selectFrom('etl_runs')
    .select(['day', 'attempts'])
    .orderBy('day')
    .orderBy('etl')
    .execute();
}

describe('the demo', () => {
  it('seeds, aggregates and serves real numbers over HTTP', { timeout: 90_000 }, async () => {
    const { demo, lines } = await start();
    expect(demo.reused).toBe(false);
    expect(existsSync(join(settings.dataDir, MARKER_FILE))).toBe(true);
    expect(demo.marker.machines).toEqual([
      { id: 'press-07', firstDay: '2024-03-26', lastDay: '2024-03-28', days: 3 },
    ]);
    expect(lines.some((l) => /\[3\/3\] press-07 2024-03-28/.test(l))).toBe(true);
    expect(lines).toContain(
      'Redis does not answer at redis://127.0.0.1:1: aggregating in this process, without queues.',
    );
    expect(demo.queues).toBeNull();
    inProcessTables = await aggregateTables(demo);

    const server = await serveDemo(demo, { port: 0, host: '127.0.0.1' });
    try {
      expect(server.port).toBeGreaterThan(0);
      const util = await getJson(`${server.url}/api/v1/machine_util?machine=press-07&target_date=2024-03-27`);
      expect(util.status).toBe(200);
      expect(util.body).toHaveLength(1);
      const day = util.body[0];
      expect(day.dt).toBe('2024-03-27');
      expect(day.state_running).toBeGreaterThan(0);
      expect(day.day_hours).toBe(24);
      for (const pct of [day.running_percentage, day.down_percentage]) {
        expect(pct).toBeGreaterThanOrEqual(0);
        expect(pct).toBeLessThanOrEqual(100);
      }
      expect(day.running_percentage).toBeGreaterThan(0);
      // Running, idle and off cover the whole (complete) day, up to the 2-decimal rounding of each.
      expect(day.state_running + day.state_unplanned_down + day.state_planned_down).toBeCloseTo(24, 1);

      const status = await getJson(`${server.url}/api/v1/data_status?machine=press-07`);
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({
        first_date: '2024-03-26',
        last_date: '2024-03-28',
        utilization_records: 3,
      });
      for (const key of ['sensor_records', 'alert_records', 'program_records', 'energy_records']) {
        expect(status.body[key]).toBeGreaterThan(0);
      }

      const health = await getJson(`${server.url}/api/status?machine=press-07`);
      expect(health).toMatchObject({
        status: 200,
        body: { status: 'ok', checks: { aggregation_db: 'ok', raw_db: 'ok' } },
      });
    } finally {
      await server.close();
      await demo.close();
    }
  });

  it('reuses the data on a second start: nothing is seeded or aggregated again', {
    timeout: 60_000,
  }, async () => {
    const seededAt = open[0]?.marker.seededAt;
    expect(seededAt).toBeDefined();
    const { demo, lines } = await start();
    try {
      expect(demo.reused).toBe(true);
      expect(demo.marker.seededAt).toBe(seededAt);
      expect(lines.join('\n')).toMatch(/^Reusing the data seeded/);
      expect(lines.some((l) => l.includes('simulated') || l.includes('press-07 2024-'))).toBe(false);
      // Each slice ran exactly once, in the first start.
      const runs = await etlRuns(demo);
      expect(runs).toHaveLength(15);
      expect(runs.every((r) => r.attempts === 1)).toBe(true);
      // The raw databases are read-only from here on, as the product's always are.
      await expect(demo.dbs.rawDb({ id: 'press-07' }).deleteFrom('variable').execute()).rejects.toThrow(
        /read-only transaction/,
      );
    } finally {
      await demo.close();
    }
  });

  it('seeds again from scratch when the last seed did not finish (no marker)', {
    timeout: 90_000,
  }, async () => {
    rmSync(join(settings.dataDir, MARKER_FILE));
    const { demo, lines } = await start();
    try {
      expect(demo.reused).toBe(false);
      expect(lines[0]).toBe('An earlier seed did not finish: seeding again from scratch.');
      const runs = await etlRuns(demo);
      expect(runs).toHaveLength(15);
      expect(runs.every((r) => r.attempts === 1)).toBe(true); // a fresh database, not a re-run over the old one
      const counts = await demo.dbs.agg
        .selectFrom('agg_machine_activity_daily')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(counts.n).toBe(3);
    } finally {
      await demo.close();
    }
  });

  it("locks its data folder: a second demo on it is refused while the first runs; a dead one's lock is taken over", {
    timeout: 60_000,
  }, async () => {
    const { demo } = await start();
    try {
      const error = await prepareDemo(settings, { env: {}, logger }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataDirInUseError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^${literal(settings.dataDir)} is in use by another demo \\(pid ${process.pid} on ${literal(hostname())}, started [0-9T:.Z-]+\\): ` +
            'stop it first, or start this one with DEMO_DATA_DIR=<another folder>$',
        ),
      );
      // The refused start touched nothing: the first one still serves its data.
      expect(await etlRuns(demo)).toHaveLength(15);
    } finally {
      await demo.close();
    }
    const lockFile = join(settings.dataDir, LOCK_FILE);
    expect(existsSync(lockFile)).toBe(false);

    // Killed without a chance to clean up: its lock names a process that is gone.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(
      lockFile,
      JSON.stringify({ pid: gone, host: hostname(), startedAt: '2024-03-28T10:00:00Z' }),
    );
    const again = await start();
    try {
      expect(again.demo.reused).toBe(true);
      expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({
        pid: process.pid,
        host: hostname(),
      });
    } finally {
      await again.demo.close();
    }
  });

  it('reports a damaged data folder in one line with the hint to use --reset', {
    timeout: 60_000,
  }, async () => {
    // What a run killed in the middle of a write can leave: a PGlite control file cut short.
    truncateSync(join(settings.dataDir, 'agg', 'global', 'pg_control'), 0);
    const error = await prepareDemo(settings, { env: {}, logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DamagedDatabaseError);
    expect((error as Error).message).toBe(
      `the embedded database in ${join(settings.dataDir, 'agg')} cannot be opened (damaged, perhaps by an interrupted run): ` +
        'start with `pnpm start -- --reset` to seed it again',
    );
    // The failed start let go of the folder, so `--reset` can take it.
    expect(existsSync(join(settings.dataDir, LOCK_FILE))).toBe(false);
  });

  it('says plainly that a port is taken, before any seeding', async () => {
    const holder = net.createServer().listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const { port } = holder.address() as AddressInfo;
    try {
      const error = await assertPortFree(port, '127.0.0.1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortUnavailableError);
      expect((error as Error).message).toBe(
        `port ${port} on 127.0.0.1 is already in use: stop what is listening there, or start with PORT=<another port>`,
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
    await expect(assertPortFree(port, '127.0.0.1')).resolves.toBeUndefined();
  });

  it('runs the ETLs through the queues when Redis answers: scheduler and worker in process, same tables', {
    timeout: 120_000,
  }, async () => {
    expect(inProcessTables).not.toBeNull();
    const dataDir = join(root, 'demo-queues');
    const lines: string[] = [];
    const admin = { ADMIN_USER: 'ops', ADMIN_PASSWORD: 'Kestrel-Quarry-41' };
    const demo = await prepareDemo(
      {
        ...settings,
        dataDir,
        rawDatabaseUrl: (m) => `pglite:${join(dataDir, `raw-${m}`)}`,
        aggDatabaseUrl: `pglite:${join(dataDir, 'agg')}`,
      },
      {
        env: { REDIS_URL: inject('redisUrl'), QUEUE_PREFIX: 'mm', ...admin },
        logger,
        report: (line) => lines.push(line),
        planEverySeconds: 3600,
      },
    );
    open.push(demo);
    const prefix = demoQueuePrefix(dataDir);
    const producer = createRedis(inject('redisUrl'), 'producer');
    await redisReady(producer);
    const queues = createEtlQueues({ connection: producer, prefix });
    const plan = new Queue(planQueueName, { connection: producer, prefix });
    try {
      expect(prefix).toMatch(/^mm-demo-[0-9a-f]{8}$/); // never the deployment's QUEUE_PREFIX
      expect(demo.queues?.prefix).toBe(prefix);
      expect(lines).toContain(
        `Through the BullMQ queues on ${inject('redisUrl')} (prefix ${prefix}): the scheduler and one worker run in this process.`,
      );
      expect(lines).toContain('  planned 15 jobs (15 slices due)');
      expect(lines.some((l) => /^ {2}\[15\/15\] jobs done/.test(l))).toBe(true);
      expect(await aggregateTables(demo)).toEqual(inProcessTables);
      expect(await queues.queue.getCompletedCount()).toBe(15);

      const server = await serveDemo(demo, { port: 0, host: '127.0.0.1' });
      try {
        const status = await getJson(`${server.url}/api/status?machine=press-07`);
        expect(status.body.checks).toEqual({ aggregation_db: 'ok', raw_db: 'ok', redis: 'ok' });
        const auth = { Authorization: `Basic ${Buffer.from('ops:Kestrel-Quarry-41').toString('base64')}` };
        const board = await fetch(`${server.url}/admin/queues/api/queues`, { headers: auth });
        expect(board.status).toBe(200);
        const listed = (await board.json()) as {
          queues: Array<{ name: string; counts: { completed: number } }>;
        };
        expect(listed.queues.map((q) => [q.name, q.counts.completed])).toEqual([['etl', 15]]);
        expect(await (await fetch(`${server.url}/metrics`)).text()).toContain('mm_queue_scrape_ok 1');
      } finally {
        await server.close();
      }
      expect(await queues.queue.getWorkersCount()).toBe(1);
      await demo.close();
      // Closed: no worker of the demo is left on its queues.
      expect(await queues.queue.getWorkersCount()).toBe(0);
    } finally {
      await Promise.all([...queues.all(), plan].map((q) => q.obliterate({ force: true })));
      await Promise.all([queues.close(), plan.close()]);
      producer.disconnect();
    }
  });
});
