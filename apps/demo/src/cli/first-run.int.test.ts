import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@mm/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_FILE } from '../admin-credentials.ts';
import { LOG_FILE } from '../prepare-demo.ts';
import { runDemo } from '../testing/run-demo.ts';
import { smallNistDir } from '../testing/small-nist-dir.ts';

// `pnpm start` as a newcomer sees it, twice on the same data folder: the dashboard's address before
// anything else, no JSON log line and no build output in the text, admin credentials made for the
// demo and shown once (and working), and a restart that reuses the data and the bundle.

const dir = mkdtempSync(join(tmpdir(), 'mm-demo-first-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `pnpm start` until it is ready, calls `whileRunning` with its output, then stops it with Ctrl-C. */
function start(
  env: Record<string, string>,
  whileRunning: (out: string) => Promise<void> = async () => {},
): Promise<string> {
  return runDemo(
    {
      via: 'pnpm start',
      // No Redis: the output is the subject here, not the queues.
      env: {
        ...process.env,
        LOG_LEVEL: '',
        ADMIN_USER: '',
        ADMIN_PASSWORD: '',
        REDIS_URL: 'redis://127.0.0.1:1',
        ...env,
      },
      readyWithinMs: 150_000,
    },
    async (demo) => {
      await whileRunning(demo.output());
      demo.signal('SIGINT');
      await demo.exited;
      return demo.output();
    },
  );
}

/** The demo's own lines: pnpm's script header (`> …`) and blank lines left out. */
const ownLines = (out: string) => out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('>'));

describe('pnpm start, first run and restart', () => {
  it('points at the dashboard first, keeps logs and build output out, and shows the admin sign-in once', {
    timeout: 300_000,
  }, async () => {
    const port = await freePort();
    const dataDir = join(dir, 'demo');
    const env = {
      DEMO_DATA_DIR: dataDir,
      DEMO_DAYS: '2',
      DEMO_VOLUME: '0.01',
      DEMO_LAST_DAY: '2024-03-28',
      PORT: String(port),
      // mazak01's data is not this test's subject: one day of it, not sixteen.
      NIST_DIR: smallNistDir(dir),
    };
    const url = `http://localhost:${port}/`;
    const first = await start(env);

    expect(ownLines(first)[0]).toContain(url);
    const ready = first.split('\n');
    const at = ready.findIndex((l) => /^Ready in \d+(\.\d+)? s\.$/.test(l));
    expect(at, first).toBeGreaterThan(0);
    expect(ready[at + 2]).toBe(`  Dashboard   ${url}`);
    expect(first).toContain(`  API docs    ${url}docs`);
    // Logs are JSON lines in a file, not in the text; Vite says nothing unless it fails.
    expect(ownLines(first).filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    expect(first).toContain(`  Logs        ${join(dataDir, LOG_FILE)}`);
    expect(first).not.toMatch(/vite v\d|built in \d|build\/index\.html|transforming/);

    const signIn =
      /^ {2}Sign in {5}user (\S+), password (\S+) {3}\(generated for this demo and shown once: kept in (.+)\)$/m.exec(
        first,
      );
    expect(signIn, first).not.toBeNull();
    const [, user, password, file] = signIn as unknown as [string, string, string, string];
    expect(file).toBe(join(dataDir, ADMIN_FILE));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(
      existsSync(join(dataDir, LOG_FILE)) ? readFileSync(join(dataDir, LOG_FILE), 'utf8') : '',
    ).not.toContain(password);

    // The second start reuses the data, the bundle and the credentials, and does not print the
    // password; the credentials the first one printed open its admin surface.
    const second = await start(env, async () => {
      const auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      const session = await fetch(`http://127.0.0.1:${port}/admin/session`, {
        headers: { Authorization: auth, 'X-Requested-With': 'fetch' },
      });
      expect([session.status, await session.json()]).toEqual([200, { user, queues: false }]);
    });
    expect(second).toMatch(/^Ready in \d+(\.\d+)? s \(data reused\)\.$/m);
    expect(second).not.toContain('Dashboard bundle built');
    expect(second).not.toContain(password);
    expect(second).toContain(`  Sign in     user ${user}, password in ${file}`);
  });
});
