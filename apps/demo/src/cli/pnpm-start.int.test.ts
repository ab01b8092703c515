import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@mm/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE } from '../data-dir-lock.ts';
import { demoSettingsFromEnv } from '../demo-settings.ts';
import { prepareDemo } from '../prepare-demo.ts';
import { runDemo } from '../testing/run-demo.ts';
import { smallNistDir } from '../testing/small-nist-dir.ts';

// `pnpm start` as a user runs it, in its own process group so a signal reaches pnpm, any shell and
// the demo together, as Ctrl-C in a terminal does.

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
    await runDemo(
      {
        via: 'pnpm start',
        // No Redis here: this test is about the data folder and the signal, not the queue path.
        env: { ...process.env, LOG_LEVEL: '', REDIS_URL: 'redis://127.0.0.1:1', ...env },
        readyWithinMs: 150_000,
      },
      async (demo) => {
        // A second demo on the same folder, from another process: refused, naming the first.
        const second = await prepareDemo(demoSettingsFromEnv(env), { env: {} }).catch((e: unknown) => e);
        expect(second).toBeInstanceOf(DataDirInUseError);
        expect((second as Error).message).toContain(`is in use by another demo (pid `);
        expect((second as Error).message).not.toContain(`pid ${process.pid} `);

        demo.signal('SIGINT');
        expect(await demo.exited).toEqual({ code: 0, signal: null });
        const out = demo.output();
        expect(out).toContain('SIGINT: shutting down');
        expect(out).toContain('stopped');
        expect(out).not.toContain('ELIFECYCLE');
        expect(out).not.toContain('ERR_PNPM');
        expect(existsSync(join(env.DEMO_DATA_DIR, LOCK_FILE))).toBe(false);
      },
    );
  });
});
