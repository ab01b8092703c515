import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NIST_MAZAK01_DIR } from '../shdr/shdr-folder.ts';

// `pnpm raw` as a process, as a user runs it: its help, its refusals, and what import-shdr prints.

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
let raws: Array<TestDatabase<RawDatabase>> = [];
beforeAll(async () => {
  raws = await Promise.all([createTestDatabase('raw'), createTestDatabase('raw')]);
});
afterAll(async () => {
  await Promise.all(raws.map((r) => r.drop()));
});

function raw(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
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
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('pnpm raw', () => {
  it('--help lists every command and exits 0; no command or an unknown one is a usage error (2)', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const help = await raw([flag]);
      expect(help.code, flag).toBe(0);
      expect(help.stdout).toMatch(/^usage: pnpm raw <command>/);
      expect(help.stdout).toMatch(/^ {2}import-shdr +\S/m);
      expect(help.stdout).toMatch(/^ {2}simulate +\S/m);
    }
    const none = await raw([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^usage: pnpm raw <command>/);
    const unknown = await raw(['imprt-shdr']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^raw: unknown command 'imprt-shdr'\n/);
  }, 60_000);

  it('import-shdr prints a line per file and the summary, the variables only with --verbose', async () => {
    const [quiet, verbose] = raws as [TestDatabase<RawDatabase>, TestDatabase<RawDatabase>];
    const all = await raw(['import-shdr', '--db', quiet.url, NIST_MAZAK01_DIR]);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines.filter((l) => /^variable \d+/.test(l))).toEqual([]);
    expect(lines.slice(0, -1).every((l) => /^Mazak01-\d{8}-\d{8}\.txt(\.gz)? {2}\d+ lines/.test(l))).toBe(
      true,
    );
    expect(lines).toHaveLength(17); // 16 daily logs, then the summary
    const summary =
      /(\d+) variables \((\d+) new: (\d+) typed by Devices\.xml, (\d+) by the shape of their values; --verbose lists them\)$/.exec(
        lines.at(-1) ?? '',
      );
    expect(summary, lines.at(-1)).not.toBeNull();
    const [, variables, created, devices, shape] = (summary as RegExpExecArray).map(Number);
    expect(created).toBe(variables);
    expect((devices as number) + (shape as number)).toBe(created);

    const one = await raw([
      'import-shdr',
      '--verbose',
      '--db',
      verbose.url,
      '--devices',
      join(NIST_MAZAK01_DIR, 'Devices.xml'),
      join(NIST_MAZAK01_DIR, 'Mazak01-20190617-20190618.txt.gz'),
    ]);
    expect(one.code, one.stderr).toBe(0);
    const listed = one.stdout
      .split('\n')
      .filter((l) => /^variable \d+ \S+: \S+ \((Devices\.xml|by shape)\)$/.test(l));
    const news = Number(/\((\d+) new: /.exec(one.stdout)?.[1]);
    expect(listed.length).toBe(news);
    expect(news).toBeGreaterThan(0);
  }, 120_000);
});
