import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `pnpm db:migrate` as an operator runs it: the exit status and stderr are the contract.
function migrate(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'cli.ts', 'migrate'], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('pnpm db:migrate', () => {
  it('against an unreachable database prints one line naming the masked URL, no stack trace', () => {
    const run = migrate({ AGG_DATABASE_URL: 'postgres://agg:Agg-S3cret@127.0.0.1:1/agg', LOG_LEVEL: 'info' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'db: cannot migrate postgres://agg:***@127.0.0.1:1/agg: connect ECONNREFUSED 127.0.0.1:1\n',
    );
  });

  it('validates only its own variables: a bad PORT or a missing machines file does not stop it', () => {
    const run = migrate({
      AGG_DATABASE_URL: 'postgres://agg@127.0.0.1:1/agg',
      PORT: 'eighty',
      MACHINES_FILE: '/nonexistent/machines.json',
    });
    expect(run.stderr).toMatch(/^db: cannot migrate postgres:\/\/agg@127\.0\.0\.1:1\/agg: /);
  });

  it('refuses a bad AGG_DATABASE_URL with exit 78', () => {
    const run = migrate({ AGG_DATABASE_URL: 'mysql://agg@db/agg' });
    expect(run.status).toBe(78);
    expect(run.stderr).toBe(
      'db-migrate: refusing to start. Invalid configuration (1 problem):\n' +
        '  - AGG_DATABASE_URL: must be a postgres:// URL or pglite:<dir> / pglite:memory\n',
    );
  });
});
