import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect as netConnect, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, freePort, type TestDatabase } from '@mm/testing';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { RawDatabase } from './types.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

// `pnpm db:migrate` as an operator runs it: the exit status and stderr are the contract.
function migrate(env: Record<string, string>, args: string[] = []) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'cli.ts', 'migrate', ...args], {
    cwd: here,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** A TCP port that forwards to the test PostgreSQL once `open()` is called: a server that starts late. */
async function lateDatabase() {
  const target = new URL(inject('pgUrl'));
  const port = await freePort();
  let server: Server | undefined;
  return {
    port,
    async open() {
      server = createServer((client) => {
        const upstream = netConnect(Number(target.port || 5432), target.hostname);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    close: () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
}

describe('pnpm db:migrate', () => {
  it('against an unreachable database prints one line naming the masked URL, no stack trace', () => {
    const run = migrate(
      { AGG_DATABASE_URL: 'postgres://agg:Agg-S3cret@127.0.0.1:1/agg', LOG_LEVEL: 'info' },
      ['--wait', '0'],
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'db: cannot migrate postgres://agg:***@127.0.0.1:1/agg: connect ECONNREFUSED 127.0.0.1:1\n',
    );
  });

  it('validates only its own variables: a bad PORT or a missing machines file does not stop it', () => {
    const run = migrate(
      {
        AGG_DATABASE_URL: 'postgres://agg@127.0.0.1:1/agg',
        PORT: 'eighty',
        MACHINES_FILE: '/nonexistent/machines.json',
      },
      ['--wait', '0'],
    );
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

  describe('waiting for its database', () => {
    let agg: TestDatabase<RawDatabase> | undefined;
    afterAll(() => agg?.drop());

    it('waits for a database that starts answering later, saying what it waits for, then migrates', async () => {
      const fresh = await createTestDatabase('raw'); // no aggregation schema yet
      agg = fresh;
      const late = await lateDatabase();
      const url = new URL(fresh.url);
      url.host = `127.0.0.1:${late.port}`;
      const child = spawn(process.execPath, ['--import', 'tsx', 'cli.ts', 'migrate'], {
        cwd: here,
        env: { PATH: process.env.PATH ?? '', AGG_DATABASE_URL: url.toString(), LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += String(d);
      });
      child.stderr.on('data', (d) => {
        stderr += String(d);
      });
      const exited = once(child, 'exit');
      try {
        // Refused until the server "starts": what the image's first-start initialisation looks like.
        const deadline = Date.now() + 30_000;
        while (!stdout.includes('waiting for the aggregation database')) {
          if (Date.now() > deadline || child.exitCode !== null)
            throw new Error(`no waiting line:\n${stdout}${stderr}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 1500));
        expect(child.exitCode).toBeNull();
        await late.open();
        const [code] = await exited;
        expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      } finally {
        child.kill();
        await late.close();
      }
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines[0]).toMatchObject({
        msg: 'waiting for the aggregation database to accept connections',
        reason: `connect ECONNREFUSED 127.0.0.1:${late.port}`,
        waitSeconds: 60,
      });
      expect(String(lines[0]?.database)).not.toContain('@127.0.0.1:5432');
      expect(lines.at(-1)).toMatchObject({ msg: 'migrated' });
    });

    it('gives up after --wait seconds with one line naming the last refusal', () => {
      const started = Date.now();
      const run = migrate(
        { AGG_DATABASE_URL: 'postgres://agg:Agg-S3cret@127.0.0.1:1/agg', LOG_LEVEL: 'info' },
        ['--wait', '3'],
      );
      const seconds = (Date.now() - started) / 1000;
      expect(run.status).toBe(1);
      expect(run.stderr).toBe(
        'db: cannot migrate postgres://agg:***@127.0.0.1:1/agg: connect ECONNREFUSED 127.0.0.1:1 (still no answer after 3 s)\n',
      );
      expect(run.stdout).toContain('"msg":"waiting for the aggregation database to accept connections"');
      expect(run.stdout).not.toContain('S3cret');
      expect(seconds).toBeGreaterThanOrEqual(2);
    });

    it('does not wait for a server that answers and refuses: a missing database fails at once', () => {
      const url = new URL(inject('pgUrl'));
      url.pathname = '/mm_no_such_database';
      const run = migrate({ AGG_DATABASE_URL: url.toString() });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/database "mm_no_such_database" does not exist\n$/);
      expect(run.stdout).not.toContain('waiting');
    });

    it('refuses a --wait that is not a whole number of seconds', () => {
      const run = migrate({ AGG_DATABASE_URL: 'postgres://agg@127.0.0.1:1/agg' }, ['--wait', 'soon']);
      expect(run.status).toBe(2);
      expect(run.stderr).toBe('usage: pnpm db:migrate [--wait <seconds>]\n');
    });
  });
});
