import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredEtls } from './cli.ts';
import { seedSmallPlant } from './small-plant.fixture.ts';

// `pnpm etl …` as an operator runs it: a child process, real databases, a machines file.
const root = fileURLToPath(new URL('../../../..', import.meta.url));
let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let dir: string;

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  await seedSmallPlant(raw.db);
  dir = mkdtempSync(join(tmpdir(), 'etl-cli-'));
  const machine = (id: string, url: string) => ({
    id,
    name: id,
    rawDatabaseUrl: url,
    timezone: 'Europe/Madrid',
    profile: 'logger',
  });
  writeFileSync(join(dir, 'good.json'), JSON.stringify({ machines: [machine('press-07', raw.url)] }));
  const nowhere = raw.url.replace(/\/[^/]*$/, '/mm_no_such_database');
  writeFileSync(
    join(dir, 'mixed.json'),
    JSON.stringify({ machines: [machine('press-07', raw.url), machine('ghost', nowhere)] }),
  );
});
afterAll(async () => {
  await Promise.all([agg?.drop(), raw?.drop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `pnpm etl …` typed in `cwd` (the repository root unless given: pnpm finds the workspace via `--dir`). */
function pnpmEtl(args: string[], env: Record<string, string>, cwd = root) {
  return run('pnpm', ['--dir', root, '--silent', 'etl', ...args], env, cwd);
}

/**
 * The script `pnpm etl` runs, under node with tsx's loader in the repository root, for the tests of
 * what the CLI itself does: one process instead of pnpm's, tsx's launcher's and the CLI's. What pnpm
 * adds (the directory typed in, the exit status passed on) is tested through {@link pnpmEtl}.
 */
function etl(args: string[], env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', 'etl', ...args], env, root);
}

function run(file: string, args: string[], env: Record<string, string>, cwd: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      env: { ...process.env, LOG_LEVEL: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('pnpm etl', () => {
  it('runs a range, prints a line per day and a summary, exits 0', async () => {
    const { code, stdout, stderr } = await pnpmEtl(['run', 'all', '2024-01-10', '2024-01-11'], {
      AGG_DATABASE_URL: agg.url,
      MACHINES_FILE: join(dir, 'good.json'),
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('press-07: 2 days (2024-01-10 .. 2024-01-11)');
    expect(
      lines.filter((l) => /^\[[12]\/2\] press-07 2024-01-1[01] {2}rows written: sensor-stats \d+ \(/.test(l)),
    ).toHaveLength(2);
    expect(stdout).toContain('done: 2 days on 1 machine');
    expect(stdout).toContain(`slices   ${2 * registeredEtls().length} ok, 0 failed`);
    const runs = await agg.db.selectFrom('etl_runs').select('status').execute();
    expect(runs).toHaveLength(2 * registeredEtls().length);
  });

  it('finishes the other machines, lists the failed one and exits 1', async () => {
    const { code, stdout } = await etl(['run', 'sensor-stats', '--concurrency', '1'], {
      AGG_DATABASE_URL: agg.url,
      MACHINES_FILE: join(dir, 'mixed.json'),
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^ghost: nothing to run \(cannot read raw data: .*mm_no_such_database/m);
    expect(stdout).toContain('press-07: 3 days (2024-01-10 .. 2024-01-12)');
    expect(stdout).toContain('slices   3 ok, 0 failed');
    expect(stdout).toMatch(/^failed \(1\):\n {2}ghost {2}- {2}- {2}.*mm_no_such_database/m);
  });

  it('bad arguments: one line, the usage, exit 2', async () => {
    const env = { AGG_DATABASE_URL: agg.url, MACHINES_FILE: join(dir, 'good.json') };
    const unknownMachine = await etl(['run', 'all', '--machine', 'press-08'], env);
    expect(unknownMachine.code).toBe(2);
    expect(unknownMachine.stderr.split('\n')[0]).toBe(
      "etl: unknown machine 'press-08' (configured: press-07)",
    );
    expect(unknownMachine.stderr).toContain('usage: pnpm etl run');
    expect(unknownMachine.stdout).toBe('');
  });

  it('a bad configuration lists every problem, without a stack trace, and exits 78', async () => {
    const { code, stderr } = await pnpmEtl(['run', 'all'], {
      AGG_DATABASE_URL: 'mysql://nope',
      MACHINES_FILE: join(dir, 'missing.json'),
    });
    expect(code).toBe(78);
    expect(stderr).toMatch(/^etl: refusing to start\. Invalid configuration \(2 problems\):/);
    expect(stderr).toContain('AGG_DATABASE_URL');
    expect(stderr).toContain('MACHINES_FILE');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('resolves a relative MACHINES_FILE against the directory it was typed in, not the repository root', async () => {
    const { code, stdout, stderr } = await pnpmEtl(
      ['run', 'sensor-stats', '2024-01-10'],
      { AGG_DATABASE_URL: agg.url, MACHINES_FILE: 'good.json' },
      dir,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('slices   1 ok, 0 failed');
  });

  it('checks only the variables it uses: a bad PORT or CORS_ORIGINS does not stop it', async () => {
    const { code, stderr } = await etl(['run', 'sensor-stats', '2024-01-10'], {
      AGG_DATABASE_URL: agg.url,
      MACHINES_FILE: join(dir, 'good.json'),
      PORT: 'eighty',
      CORS_ORIGINS: 'not an origin',
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('refuses an aggregation database behind the code with one sentence, before any slice', async () => {
    const behind = await createTestDatabase('agg');
    try {
      await sql`delete from kysely_migration where name = (select max(name) from kysely_migration)`.execute(
        behind.db,
      );
      const { code, stdout, stderr } = await etl(['run', 'all', '2024-01-10'], {
        AGG_DATABASE_URL: behind.url,
        MACHINES_FILE: join(dir, 'good.json'),
      });
      expect(code).toBe(1);
      expect(stderr).toBe('etl: aggregation database is not migrated: run pnpm db:migrate\n');
      expect(stdout).toBe('');
      expect(await behind.db.selectFrom('etl_runs').selectAll().execute()).toEqual([]);
    } finally {
      await behind.drop();
    }
  });
});
