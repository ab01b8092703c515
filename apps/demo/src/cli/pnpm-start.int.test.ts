import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@mm/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE } from '../data-dir-lock.ts';
import { demoSettingsFromEnv } from '../demo-settings.ts';
import { prepareDemo } from '../prepare-demo.ts';
import { smallNistDir } from '../testing/small-nist-dir.ts';

// `pnpm start` as a user runs it, in its own process group so a signal reaches pnpm, any shell and
// the demo together, as Ctrl-C in a terminal does.

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mm-demo-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pnpm start', () => {
  it('holds its data folder against a second demo, and ends on Ctrl-C with exit 0 and no pnpm noise', {
    timeout: 180_000,
  }, async () => {
    const env = {
      DEMO_DATA_DIR: join(dir, 'demo'),
      DEMO_DAYS: '2',
      DEMO_VOLUME: '0.01',
      DEMO_LAST_DAY: '2024-03-28',
      PORT: String(await freePort()),
      // mazak01's data is not this test's subject: one day of it, not sixteen.
      NIST_DIR: smallNistDir(dir),
    };
    const child = spawn('pnpm', ['start'], {
      cwd: root,
      detached: true,
      // No Redis here: this test is about the data folder and the signal, not the queue path.
      env: { ...process.env, LOG_LEVEL: '', REDIS_URL: 'redis://127.0.0.1:1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
    });
    child.stderr?.on('data', (d) => {
      out += String(d);
    });
    const exited = once(child, 'exit');
    try {
      const deadline = Date.now() + 150_000;
      while (!out.includes('Ctrl-C stops it.')) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`the demo did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      // A second demo on the same folder, from another process: refused, naming the first.
      const second = await prepareDemo(demoSettingsFromEnv(env), { env: {} }).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(DataDirInUseError);
      expect((second as Error).message).toContain(`is in use by another demo (pid `);
      expect((second as Error).message).not.toContain(`pid ${process.pid} `);

      process.kill(-child.pid!, 'SIGINT');
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(out).toContain('SIGINT: shutting down');
      expect(out).toContain('stopped');
      expect(out).not.toContain('ELIFECYCLE');
      expect(out).not.toContain('ERR_PNPM');
      expect(existsSync(join(env.DEMO_DATA_DIR, LOCK_FILE))).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
