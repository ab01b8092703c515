import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDashboardBundle, SOURCE_HASH_FILE } from './dashboard-bundle.ts';

// The demo's bundle step on a copy of the dashboard's sources (inside apps/dashboard, so Vite and uPlot
// resolve from its node_modules as they do for the real one), never on the real build folder that other
// tests serve.

const dashboard = fileURLToPath(new URL('../../dashboard', import.meta.url));
const copy = mkdtempSync(join(dashboard, '.build-test-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));
for (const part of ['index.html', 'package.json', 'tsconfig.json', 'web']) {
  cpSync(join(dashboard, part), join(copy, part), { recursive: true });
}
// One folder deeper: the shared compiler settings are one more step up.
const tsconfig = join(copy, 'tsconfig.json');
writeFileSync(tsconfig, readFileSync(tsconfig, 'utf8').replace('"../../tsconfig', '"../../../tsconfig'));

describe('ensureDashboardBundle', () => {
  it('builds a bundle anyone may read (an image serves it as another user), then reuses it', async () => {
    expect((await ensureDashboardBundle(copy)).built).toBe(true);
    const build = join(copy, 'build');
    expect(statSync(build).mode & 0o777).toBe(0o755);
    const files = readdirSync(build, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.map((f) => f.name)).toEqual(expect.arrayContaining(['index.html', SOURCE_HASH_FILE]));
    for (const f of files) expect(statSync(join(f.parentPath, f.name)).mode & 0o004, f.name).toBe(0o004);

    expect((await ensureDashboardBundle(copy)).built).toBe(false);
  });
});
