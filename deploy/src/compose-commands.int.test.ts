// Every app service of docker-compose.yml, run the way its container runs it: its command, from the
// repository root (the image's WORKDIR has the same layout), after `pnpm build`, with only the
// environment compose gives it. Only addresses are re-pointed: the local PostgreSQL and Redis (fresh
// databases, a queue prefix of our own), a machines file naming the test's raw database, and free
// ports. So the commands the images run are proven to work, start to graceful stop.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AggDatabase, createDb, type RawDatabase } from '@mm/db';
import { etlIds } from '@mm/etl';
import { createTestDatabase, freePort, type TestDatabase } from '@mm/testing';
import { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ComposeService, readComposeFile } from './compose-file.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
// As an operator's `.env` would set them: the admin surface on, to reach Bull Board.
const admin = { user: 'ops', password: `t${randomBytes(12).toString('hex')}` };
const compose = readComposeFile(join(root, 'docker-compose.yml'), {
  ADMIN_USER: admin.user,
  ADMIN_PASSWORD: admin.password,
});
const service = (name: string): ComposeService => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
// Two workers prove that several replicas share the work; the file asks for more on a real host.
const WORKERS = 2;

interface Running {
  name: string;
  service: ComposeService;
  env: Record<string, string>;
  child: ChildProcess;
  output: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: Running[] = [];
let tmp: string;
let aggName: string;
let aggUrl: string;
let agg: Kysely<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let addresses: Record<string, string>;

/**
 * `["CMD", "node", "deploy/healthcheck.mjs", "<PORT_VARIABLE>", "<path>"]` -> the variable; undefined
 * for a service that serves no HTTP (its check is `… healthcheck.mjs redis`).
 */
function portVariableOf(s: ComposeService): string | undefined {
  const test = s.healthcheck?.test ?? [];
  const at = test.indexOf('deploy/healthcheck.mjs');
  const variable = at >= 0 ? test[at + 1] : undefined;
  return variable === 'redis' ? undefined : variable;
}

/** The service's compose environment with the addresses re-pointed; nothing else inherited but PATH. */
async function environmentOf(s: ComposeService): Promise<Record<string, string>> {
  const env: Record<string, string> = { ...s.environment };
  for (const [key, value] of Object.entries(addresses)) if (key in env) env[key] = value;
  const variable = portVariableOf(s);
  if (variable) {
    expect(env, `${s.name} must set ${variable}, the port its health check asks`).toHaveProperty(variable);
    env[variable] = String(await freePort());
  }
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env };
}

function start(s: ComposeService, env: Record<string, string>, name = s.name): Running {
  const [file, ...args] = s.command ?? [];
  if (!file) throw new Error(`${s.name} has no command`);
  const child = spawn(file, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const r = { name, service: s, env, child, output, exit };
  running.push(r);
  return r;
}

const logOf = (r: Running) => `--- ${r.name} output:\n${r.output.join('').slice(-4000)}`;

async function runToCompletion(s: ComposeService): Promise<Running> {
  const r = start(s, await environmentOf(s));
  const { code } = await r.exit;
  expect(code, logOf(r)).toBe(0);
  return r;
}

/** Runs the service's own health check command, as Docker would inside the container. */
function healthy(r: Running): boolean {
  const [kind, file, ...args] = r.service.healthcheck?.test ?? [];
  if (kind !== 'CMD' || !file) throw new Error(`${r.name}: unexpected health check ${kind}`);
  return spawnSync(file, args, { cwd: root, env: r.env, timeout: 10_000 }).status === 0;
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms / 1000} s waiting for ${what}\n${running.map(logOf).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

const portOf = (r: Running) => r.env[portVariableOf(r.service) ?? 'PORT'];

beforeAll(async () => {
  // The compiled code the images run (CI builds it too, as a step of its own).
  const build = spawnSync(join(root, 'node_modules/.bin/tsx'), ['scripts/build.ts'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`pnpm build failed:\n${build.stdout}${build.stderr}`);

  tmp = mkdtempSync(join(tmpdir(), 'mm-compose-'));
  // An empty aggregation database: the migrate service creates the schema. Named like the test
  // harness's databases, so the run's teardown drops it whatever happens here.
  const pgUrl = inject('pgUrl');
  aggName = `mm_t_${inject('runId')}_agg_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create database ${aggName}`);
  await admin.end();
  const url = new URL(pgUrl);
  url.pathname = `/${aggName}`;
  aggUrl = url.toString();
  raw = await createTestDatabase('raw');

  // The demo's machines file with the test's raw database in place of the demo's.
  const machinesFile = compose.secrets.machines?.file;
  if (!machinesFile) throw new Error('docker-compose.yml has no machines secret');
  const machines = JSON.parse(readFileSync(join(root, machinesFile), 'utf8')) as {
    machines: Array<{ rawDatabaseUrl: string }>;
  };
  for (const m of machines.machines) m.rawDatabaseUrl = raw.url;
  writeFileSync(join(tmp, 'machines.json'), JSON.stringify(machines));

  addresses = {
    AGG_DATABASE_URL: aggUrl,
    REDIS_URL: inject('redisUrl'),
    MACHINES_FILE: join(tmp, 'machines.json'),
    SEED_DATABASE_URL: raw.url,
    QUEUE_PREFIX: `mmt${randomBytes(4).toString('hex')}`,
  };
}, 120_000);

afterAll(async () => {
  for (const r of running) {
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  }
  if (addresses) {
    // Only this test's keys: the Redis is shared.
    const redis = new Redis(addresses.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${addresses.QUEUE_PREFIX}:*`, count: 500 })) {
      if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
    await redis.quit();
  }
  await agg?.destroy();
  await raw?.drop();
  if (aggName) {
    const admin = new pg.Client({ connectionString: inject('pgUrl') });
    await admin.connect();
    await admin.query(`drop database if exists ${aggName} with (force)`);
    await admin.end();
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('docker-compose.yml services run from a built checkout', () => {
  it('migrate exits 0 with the aggregation schema in place', async () => {
    await runToCompletion(service('migrate'));
    agg = createDb<AggDatabase>(aggUrl, { max: 2 });
    const { rows } = await sql<{ n: string }>`select count(*) as n from etl_runs`.execute(agg);
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('demo-seed writes a simulated machine into the raw database, and skips it the second time', async () => {
    const count = async () => {
      const { rows } = await sql<{ n: string }>`select count(*) as n from variable_log_float`.execute(raw.db);
      return Number(rows[0]?.n);
    };
    await runToCompletion(service('demo-seed'));
    const seeded = await count();
    expect(seeded).toBeGreaterThan(0);
    await runToCompletion(service('demo-seed'));
    expect(await count()).toBe(seeded);
  });

  it('api, scheduler and two workers start and pass their own health checks', async () => {
    const daemons = [
      { s: service('api'), n: 1 },
      { s: service('scheduler'), n: 1 },
      { s: service('worker'), n: WORKERS },
    ];
    for (const { s, n } of daemons) {
      for (let i = 1; i <= n; i++) start(s, await environmentOf(s), n > 1 ? `${s.name}-${i}` : s.name);
    }
    for (const r of running.filter((r) => r.service.restart !== 'no')) {
      await until(`${r.name} to be healthy`, () =>
        r.child.exitCode === null && healthy(r) ? true : undefined,
      );
      expect(r.child.exitCode, logOf(r)).toBeNull();
    }
  });

  it('the api answers /api/status with the aggregation database, the raw database and Redis up', async () => {
    const api = running.find((r) => r.name === 'api')!;
    const response = await fetch(`http://127.0.0.1:${portOf(api)}/api/status`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      checks: { aggregation_db: 'ok', raw_db: 'ok', redis: 'ok' },
    });
  });

  it('the scheduler plans every seeded day and both workers run the jobs to completion', async () => {
    // The machine's days from its first to its last reading, in its time zone (the demo's).
    const { timezone } = JSON.parse(readFileSync(addresses.MACHINES_FILE!, 'utf8')).machines[0];
    const { rows: span } = await sql<{ first: string; last: string; days: number }>`
      with d as (
        select (to_timestamp(date / 1000.0) at time zone ${timezone})::date as day from variable_log_float
      )
      select min(day)::text as first, max(day)::text as last, (max(day) - min(day) + 1)::int as days from d
    `.execute(raw.db);
    const { first, last, days } = span[0]!;
    expect(days).toBeGreaterThan(7);
    const expected = days * etlIds.length;
    const done = await until(
      `every ETL to have succeeded on every day from ${first} to ${last}`,
      async () => {
        const { rows } = await sql<{ status: string; n: number }>`
          select status, count(*)::int as n from etl_runs where day between ${first} and ${last} group by status
        `.execute(agg);
        const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
        expect(by.failed ?? 0).toBe(0);
        return by.succeeded === expected ? by.succeeded : undefined;
      },
      180_000,
    );
    expect(done).toBe(expected);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from agg_machine_activity_daily where day between ${first} and ${last}
    `.execute(agg);
    expect(rows[0]?.n).toBe(days);

    // Each worker's own /metrics counts the jobs it completed: both took part.
    for (const worker of running.filter((r) => r.service.name === 'worker')) {
      const text = await (await fetch(`http://127.0.0.1:${portOf(worker)}/metrics`)).text();
      const completed = [...text.matchAll(/^mm_worker_jobs_total\{[^}]*outcome="completed"[^}]*\} (\d+)/gm)]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0);
      expect(completed, `${worker.name} completed no job`).toBeGreaterThan(0);
    }
  });

  it('the documented re-run (compiled enqueue in a worker container) re-runs a completed day', async () => {
    const { rows } = await sql<{ day: string; finished: Date }>`
      select day::text as day, finished_at as finished from etl_runs
      where etl = 'energy' and status = 'succeeded' order by day limit 1`.execute(agg);
    const { day, finished } = rows[0]!;
    // docs/operations.md: docker compose run --rm --no-deps worker node packages/queue/dist/cli/main.js …
    const worker = service('worker');
    const machine = JSON.parse(readFileSync(addresses.MACHINES_FILE!, 'utf8')).machines[0].id as string;
    const enqueue = spawnSync(
      'node',
      ['packages/queue/dist/cli/main.js', 'energy', day, '--machine', machine, '--wait'],
      { cwd: root, env: await environmentOf(worker), encoding: 'utf8', timeout: 60_000 },
    );
    expect(enqueue.status, `${enqueue.stdout}${enqueue.stderr}`).toBe(0);
    const { rows: after } = await sql<{ finished: Date; status: string }>`
      select finished_at as finished, status from etl_runs
      where etl = 'energy' and day = ${day}`.execute(agg);
    expect(after[0]?.status).toBe('succeeded');
    expect(after[0]!.finished.getTime()).toBeGreaterThan(finished.getTime());
  });

  it('the compiled api serves Bull Board, its static assets included, behind the admin login', async () => {
    const api = running.find((r) => r.name === 'api')!;
    const base = `http://127.0.0.1:${portOf(api)}/admin/queues`;
    expect((await fetch(base)).status).toBe(401);
    const authorization = `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}`;
    const page = await fetch(base, { headers: { authorization } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const url = new URL(asset, `${base}/`);
      const response = await fetch(url, { headers: { authorization } });
      expect(response.status, url.pathname).toBe(200);
    }
    const queues = await fetch(`${base}/api/queues`, { headers: { authorization } });
    const names = ((await queues.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
    expect(names).toEqual(['etl']); // one queue for every ETL, each job named after its ETL
  });

  it('every metric the alert rules use is served by the api, the scheduler or the workers', async () => {
    const rules = readFileSync(join(root, 'deploy/prometheus/alerts.yml'), 'utf8');
    const used = new Set([...rules.matchAll(/\b(mm_[a-z0-9_]+)/g)].map((m) => m[1]!));
    let served = '';
    const serving = ['api', 'scheduler', 'worker'];
    for (const r of running.filter((r) => serving.includes(r.service.name))) {
      served += await (await fetch(`http://127.0.0.1:${portOf(r)}/metrics`)).text();
    }
    const names = new Set([...served.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
    expect([...used].filter((name) => !names.has(name))).toEqual([]);
  });

  it('each process exits 0 on SIGTERM within its stop_grace_period', async () => {
    const daemons = running.filter((r) => r.service.restart !== 'no');
    expect(daemons.length).toBe(3 + WORKERS - 1);
    await Promise.all(
      daemons.map(async (r) => {
        const started = Date.now();
        r.child.kill('SIGTERM');
        const { code, signal } = await r.exit;
        const seconds = (Date.now() - started) / 1000;
        expect({ name: r.name, code, signal }, logOf(r)).toEqual({ name: r.name, code: 0, signal: null });
        expect(seconds, r.name).toBeLessThan(r.service.stopGracePeriodSeconds);
      }),
    );
  });
});
