// The developers' start scripts (`pnpm start:api`, `start:worker`, `start:scheduler`) stopped the way a
// supervisor or `kill` stops them: SIGTERM to pnpm's own process, nothing else. pnpm passes it to the
// script's process, which must be node itself (`exec`): a shell in between dies of the signal, node
// never hears it, and pnpm reports `ELIFECYCLE Command failed`.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { createTestDatabase, freePort, type TestDatabase } from '@mm/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<
  string,
  string
>;
const prefix = `mmt${randomBytes(4).toString('hex')}`;

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  dir = mkdtempSync(join(tmpdir(), 'mm-start-scripts-'));
  const machinesFile = join(dir, 'machines.json');
  writeFileSync(
    machinesFile,
    JSON.stringify({
      machines: [{ id: 'press-01', name: 'Press 01', rawDatabaseUrl: raw.url, profile: 'logger' }],
    }),
  );
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    AGG_DATABASE_URL: agg.url,
    MACHINES_FILE: machinesFile,
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: prefix,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
});

afterAll(async () => {
  const redis = new Redis(inject('redisUrl'), { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 })) {
    if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
  }
  await redis.quit();
  await Promise.all([agg?.drop(), raw?.drop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startScript(name: string, extra: Record<string, string>, ready: string) {
  const child: ChildProcess = spawn('pnpm', [name], {
    cwd: root,
    env: { ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const deadline = Date.now() + 60_000;
  while (!output.includes(`"msg":"${ready}"`)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`pnpm ${name} did not log "${ready}":\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exited, output: () => output };
}

describe('start scripts, stopped by SIGTERM to pnpm', () => {
  const cases = [
    { script: 'start:api', ready: 'listening', port: 'PORT' },
    { script: 'start:worker', ready: 'worker started', port: 'WORKER_PORT' },
    { script: 'start:scheduler', ready: 'scheduler started', port: undefined },
  ];

  it("every start script execs node: the root ones and each app's `start`", () => {
    for (const { script } of cases) expect(scripts[script], script).toMatch(/^exec node /);
    for (const app of readdirSync(join(root, 'apps'))) {
      const manifest = join(root, 'apps', app, 'package.json');
      const start = existsSync(manifest)
        ? JSON.parse(readFileSync(manifest, 'utf8')).scripts?.start
        : undefined;
      if (start !== undefined) expect(start, `apps/${app} start`).toMatch(/^exec node /);
    }
  });

  it.each(cases)(
    'pnpm $script exits 0 after its app logs "stopped", without ELIFECYCLE',
    async ({ script, ready, port }) => {
      const { child, exited, output } = await startScript(
        script,
        port ? { [port]: String(await freePort()) } : {},
        ready,
      );
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      expect({ code, signal }, output()).toEqual({ code: 0, signal: null });
      const lines = output().trim().split('\n');
      expect(lines.at(-1), output()).toContain('"msg":"stopped"');
      expect(output()).not.toContain('ELIFECYCLE');
    },
  );
});
