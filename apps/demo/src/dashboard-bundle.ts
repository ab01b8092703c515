import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

/** The file in a built bundle that names the sources it was built from. */
export const SOURCE_HASH_FILE = '.source-hash';

/** Vite failed to build the dashboard; `output` is what it printed. */
export class DashboardBuildError extends Error {
  override name = 'DashboardBuildError';
  constructor(readonly output: string) {
    super('the dashboard bundle failed to build');
  }
}

/** What {@link ensureDashboardBundle} did. */
export interface BundleResult {
  built: boolean;
  ms: number;
}

/**
 * A hash of everything a dashboard bundle is built from: the page, its scripts and styles under
 * `web/`, the package and TypeScript settings (which name Vite's and uPlot's versions), and the
 * workspace package it bundles (`@mm/calendar`).
 *
 * @example
 * dashboardSourceHash('apps/dashboard'); // 'c0ffee…'
 */
export function dashboardSourceHash(dashboardDir: string): string {
  const files = [
    'index.html',
    'package.json',
    'tsconfig.json',
    ...listFiles(join(dashboardDir, 'web')),
    ...listFiles(join(dashboardDir, '../../packages/calendar/src')),
  ]
    .map((f) => (f.startsWith(dashboardDir) ? relative(dashboardDir, f) : f))
    .filter((f) => existsSync(join(dashboardDir, f)))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(dashboardDir, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * Builds the dashboard into `<dashboardDir>/build` with Vite, quietly, unless the bundle there was
 * built from the same sources (its {@link SOURCE_HASH_FILE}). The new bundle is built beside the
 * old one and moved in place, so a server reading the old one never sees half a bundle. Vite's
 * output is returned in a {@link DashboardBuildError} when it fails, and not shown otherwise.
 *
 * @example
 * const { built, ms } = await ensureDashboardBundle('apps/dashboard');
 */
export async function ensureDashboardBundle(dashboardDir: string): Promise<BundleResult> {
  const started = performance.now();
  const buildDir = join(dashboardDir, 'build');
  const hash = dashboardSourceHash(dashboardDir);
  const hashFile = join(buildDir, SOURCE_HASH_FILE);
  if (existsSync(hashFile) && readFileSync(hashFile, 'utf8').trim() === hash) {
    return { built: false, ms: performance.now() - started };
  }
  const staging = mkdtempSync(join(dashboardDir, '.build-'));
  try {
    // mkdtemp makes the folder private (0700); as `build/` it must be readable like any build output
    // (an image built from this checkout serves it as another user).
    chmodSync(staging, 0o755);
    await runVite(dashboardDir, staging);
    writeFileSync(join(staging, SOURCE_HASH_FILE), `${hash}\n`);
    const old = `${staging}-old`;
    try {
      if (existsSync(buildDir)) renameSync(buildDir, old);
      renameSync(staging, buildDir);
    } catch (error) {
      // Another start built the same sources at the same moment: its bundle is as good as ours.
      if (!(existsSync(hashFile) && readFileSync(hashFile, 'utf8').trim() === hash)) throw error;
    }
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { built: true, ms: performance.now() - started };
}

/** `vite build` of the dashboard into `outDir`, in a child process, its output kept for a failure. */
async function runVite(dashboardDir: string, outDir: string): Promise<void> {
  const require = createRequire(join(dashboardDir, 'package.json'));
  const vitePackage = require.resolve('vite/package.json');
  const bin = (JSON.parse(readFileSync(vitePackage, 'utf8')) as { bin: { vite: string } }).bin.vite;
  const child = spawn(
    process.execPath,
    [join(dirname(vitePackage), bin), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: dashboardDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let output = '';
  child.stdout.on('data', (d) => {
    output += String(d);
  });
  child.stderr.on('data', (d) => {
    output += String(d);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new DashboardBuildError(output.trim());
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}
