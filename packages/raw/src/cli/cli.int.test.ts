import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NIST_MAZAK01_DIR, shdrFolder } from '../shdr/shdr-folder.ts';

// `pnpm raw` as a process, as a user runs it: its help, its refusals, and what import-shdr prints.

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
let raws: Array<TestDatabase<RawDatabase>> = [];
const scratch = mkdtempSync(join(tmpdir(), 'mm-raw-cli-'));
beforeAll(async () => {
  raws = await Promise.all([createTestDatabase('raw'), createTestDatabase('raw')]);
});
afterAll(async () => {
  await Promise.all(raws.map((r) => r.drop()));
  rmSync(scratch, { recursive: true, force: true });
});

/**
 * A folder like the NIST one (Devices.xml and daily logs) with only its logs of under 30 kB: seven of
 * the sixteen, each with its own line. What this CLI prints is the subject here; importing all
 * quarter of a million readings is import-shdr.int.test.ts's.
 */
function smallNistFolder(): { dir: string; logs: string[] } {
  const dir = join(scratch, 'nist-small');
  mkdirSync(dir, { recursive: true });
  const { files, devicesXml } = shdrFolder(NIST_MAZAK01_DIR);
  const logs = files.filter((f) => statSync(f).size < 30_000);
  for (const file of [devicesXml as string, ...logs]) copyFileSync(file, join(dir, basename(file)));
  return { dir, logs: logs.map((f) => basename(f)) };
}

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
    // Five processes at once: each is a separate start, and none depends on another.
    const flags = ['--help', '-h', 'help'];
    const [none, unknown, ...helps] = await Promise.all([
      raw([]),
      raw(['imprt-shdr']),
      ...flags.map((flag) => raw([flag])),
    ]);
    for (const [i, help] of helps.entries()) {
      expect(help.code, flags[i]).toBe(0);
      expect(help.stdout).toMatch(/^usage: pnpm raw <command>/);
      expect(help.stdout).toMatch(/^ {2}import-shdr +\S/m);
      expect(help.stdout).toMatch(/^ {2}simulate +\S/m);
    }
    expect(none?.code).toBe(2);
    expect(none?.stderr).toMatch(/^usage: pnpm raw <command>/);
    expect(unknown?.code).toBe(2);
    expect(unknown?.stderr).toMatch(/^raw: unknown command 'imprt-shdr'\n/);
  }, 60_000);

  it('import-shdr prints a line per file and the summary, the variables only with --verbose', async () => {
    const [quiet, verbose] = raws as [TestDatabase<RawDatabase>, TestDatabase<RawDatabase>];
    const folder = smallNistFolder();
    const all = await raw(['import-shdr', '--db', quiet.url, folder.dir]);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines.filter((l) => /^variable \d+/.test(l))).toEqual([]);
    expect(
      lines.slice(0, -1).map((l) => /^(Mazak01-\d{8}-\d{8}\.txt(\.gz)?) {2}\d+ lines/.exec(l)?.[1]),
    ).toEqual(folder.logs);
    expect(lines).toHaveLength(folder.logs.length + 1); // a line per daily log, then the summary
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
