import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../testing/harness.ts';

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let built: string;
const html = { Accept: 'text/html,application/xhtml+xml' };

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  built = mkdtempSync(join(tmpdir(), 'mm-dashboard-'));
  mkdirSync(join(built, 'assets'));
  writeFileSync(
    join(built, 'index.html'),
    '<!doctype html><title>dash</title><script src="/assets/app-1.js"></script>',
  );
  writeFileSync(join(built, 'assets', 'app-1.js'), 'console.log(1)');
});
afterAll(async () => {
  rmSync(built, { recursive: true, force: true });
  await Promise.all([agg?.drop(), raw?.drop()]);
});

const app = (dashboardDir: string) =>
  testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url, deps: { dashboardDir } }).app;

describe('the dashboard at /', () => {
  it('serves the built page to browsers and its assets, cached for good', async () => {
    const page = await app(built).request('/', { headers: html });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>dash</title>');
    const asset = await app(built).request('/assets/app-1.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toBe('console.log(1)');
    const miss = await app(built).request('/assets/missing.js');
    expect(miss.status).toBe(404);
    expect((await app(built).request('/assets/../index.html')).status).toBe(404);
  });

  it('keeps the JSON greeting for API clients', async () => {
    const res = await app(built).request('/', { headers: { Accept: 'application/json' } });
    expect(await res.json()).toEqual({ message: 'Machine monitoring API. Documentation: /docs' });
    expect(await (await app(built).request('/')).json()).toHaveProperty('message');
  });

  it('says how to build the bundle when it is missing', async () => {
    const missing = join(built, 'nope');
    const page = await app(missing).request('/', { headers: html });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('pnpm build:dashboard');
    expect((await app(missing).request('/assets/app-1.js')).status).toBe(404);
  });
});
