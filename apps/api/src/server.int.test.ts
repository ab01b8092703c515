import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { createTestDatabase, freePort, type TestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../../packages/api-core/src/testing/harness.ts';
import { seedFallBackDay } from '../../../packages/api-core/src/testing/seed.ts';

// Over real sockets: the app behind @hono/node-server, and `main.ts` as a process (config from the
// environment, serving, graceful shutdown on SIGTERM).

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
const apiDir = new URL('..', import.meta.url).pathname;

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  await seedFallBackDay(agg.db);
});
afterAll(async () => {
  await Promise.all([agg?.drop(), raw?.drop()]);
});

describe('the app on @hono/node-server', () => {
  it('serves JSON, CORS and request ids over HTTP', async () => {
    const { app } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const base = `http://127.0.0.1:${port}`;
      const res = await fetch(`${base}/api/v1/alerts_detail?target_date=2024-10-27`, {
        headers: { Origin: 'http://localhost:3000', 'X-Request-Id': 'over-the-wire' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('over-the-wire');
      expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
      const body = (await res.json()) as Array<{ dt: string }>;
      expect(body.map((a) => a.dt).slice(0, 2)).toEqual(['2024-10-27 02:40:00', '2024-10-27 02:30:00']);

      const preflight = await fetch(`${base}/api/v1/temperature`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'http://localhost:3000',
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'content-type',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');

      const bad = await fetch(`${base}/api/v1/temperature?target_date=${'9'.repeat(10_000)}`);
      expect(bad.status).toBe(422);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('main.ts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mm-api-main-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function start(env: Record<string, string>): { child: ChildProcess; output: () => string } {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: apiDir,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
    });
    child.stderr?.on('data', (d) => {
      out += String(d);
    });
    return { child, output: () => out };
  }

  it('reads the environment, serves, and stops cleanly on SIGTERM', async () => {
    const machinesFile = join(dir, 'machines.json');
    writeFileSync(
      machinesFile,
      JSON.stringify({
        machines: [
          {
            id: 'press-07',
            name: 'Press 07',
            rawDatabaseUrl: raw.url,
            timezone: 'Europe/Madrid',
            profile: 'logger',
          },
        ],
      }),
    );
    const port = await freePort();
    const { child, output } = start({
      AGG_DATABASE_URL: agg.url,
      MACHINES_FILE: machinesFile,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    });
    try {
      const deadline = Date.now() + 30_000;
      while (!output().includes('"msg":"listening"')) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`main.ts did not start:\n${output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const status = await fetch(`http://127.0.0.1:${port}/api/status`);
      expect(status.status).toBe(200);
      expect(await status.json()).toMatchObject({ status: 'ok', version: '0.1.0' });
      const temps = await fetch(`http://127.0.0.1:${port}/api/v1/temperature?target_date=2024-10-27`);
      expect(temps.status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/mm_api_db_pool_connections\{pool="agg",state="total"\} [1-9]/);
      expect(metrics).toContain('mm_api_process_cpu_seconds_total');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(output()).toContain('"msg":"stopped"');
    expect(output()).not.toContain(raw.url); // the raw URL is never logged
  });

  it('exits 78 (EX_CONFIG) listing configuration problems', async () => {
    const { child, output } = start({ MACHINES_FILE: join(dir, 'missing.json'), PORT: 'eighty' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(78);
    expect(output()).toContain('api: refusing to start');
    expect(output()).not.toContain('    at '); // no stack trace
    expect(output()).toContain('PORT');
    expect(output()).toContain('MACHINES_FILE');
  });

  it('started with `pnpm --filter @mm/api start` elsewhere, reads a relative MACHINES_FILE from there and warns when the database is not migrated', async () => {
    const behind = await createTestDatabase('agg');
    const where = mkdtempSync(join(tmpdir(), 'mm-api-invoked-'));
    writeFileSync(
      join(where, 'site.json'),
      JSON.stringify({
        machines: [{ id: 'press-09', name: 'Press 09', rawDatabaseUrl: raw.url, profile: 'logger' }],
      }),
    );
    await sql`delete from kysely_migration where name = (select max(name) from kysely_migration)`.execute(
      behind.db,
    );
    const port = await freePort();
    const repo = join(apiDir, '../..');
    // Its own process group, so the server under pnpm and tsx is stopped with it.
    const child = spawn('pnpm', ['--dir', repo, '--filter', '@mm/api', '--silent', 'start'], {
      cwd: where,
      detached: true,
      env: {
        ...process.env,
        AGG_DATABASE_URL: behind.url,
        MACHINES_FILE: 'site.json',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
    });
    child.stderr?.on('data', (d) => {
      out += String(d);
    });
    try {
      const deadline = Date.now() + 30_000;
      while (!out.includes('"msg":"listening"') || !out.includes('not migrated')) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`the API did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const listening = out.split('\n').find((l) => l.includes('"msg":"listening"'));
      expect(JSON.parse(listening!)).toMatchObject({ machines: ['press-09'] });
      const warning = out.split('\n').find((l) => l.includes('not migrated'));
      expect(JSON.parse(warning!)).toMatchObject({
        level: 40,
        msg: 'aggregation database is not migrated: run pnpm db:migrate',
      });
      const status = await fetch(`http://127.0.0.1:${port}/api/status?machine=press-09`);
      expect(status.status).toBe(503);
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
      await once(child, 'exit').catch(() => {});
      rmSync(where, { recursive: true, force: true });
      await behind.drop();
    }
  });
});
