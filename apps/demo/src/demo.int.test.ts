import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@mm/config';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE } from './data-dir-lock.ts';
import { DamagedDatabaseError } from './demo-databases.ts';
import { demoSettingsFromEnv } from './demo-settings.ts';
import { type DemoRuntime, prepareDemo } from './prepare-demo.ts';
import { MARKER_FILE } from './seed-marker.ts';
import { assertPortFree, PortUnavailableError, serveDemo } from './serve-demo.ts';

// The demo end to end on embedded PGlite in a temporary directory: seed a tiny press-07 (three
// working days, Tuesday to Thursday), aggregate it with the real ETLs, serve the real API on an
// ephemeral port and read it over HTTP. No PostgreSQL or Redis involved.

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

async function start(): Promise<{ demo: DemoRuntime; lines: string[] }> {
  const lines: string[] = [];
  const demo = await prepareDemo(settings, { env: {}, logger, report: (line) => lines.push(line) });
  open.push(demo);
  return { demo, lines };
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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
});
