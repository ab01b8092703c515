import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { launchHeadlessChromium } from '../headless-chromium.ts';

const dashboardDir = fileURLToPath(new URL('../../', import.meta.url));

/** What the dashboard's browser tests share: the bundle, the API on a port, Chromium, the screenshots' folder. */
export interface BrowserFixture {
  /** `apps/dashboard/test-artifacts`, where the tests save screenshots (created). */
  artifacts: string;
  /** The dashboard built from its sources now (not whatever was built before), into a temporary folder. */
  buildBundle(): Promise<string>;
  /** Serves an app (the real API) on an ephemeral 127.0.0.1 port; resolves to its base URL. */
  serve(app: { fetch: Parameters<typeof serve>[0]['fetch'] }): Promise<string>;
  /** Debian's headless Chromium. */
  launchBrowser(): Promise<Browser>;
  /** Closes what it opened: the browser, then the servers; removes the bundle. */
  close(): Promise<void>;
}

/**
 * The set-up and tear-down every browser test of the dashboard repeats; the test keeps its data and
 * what it asserts.
 *
 * @example
 * const fixture = browserFixture();
 * const [agg, bundle] = await Promise.all([createTestDatabase('agg'), fixture.buildBundle()]);
 * const base = await fixture.serve(createApp({ ..., dashboardDir: bundle }));
 * const browser = await fixture.launchBrowser();
 * afterAll(() => fixture.close());
 */
export function browserFixture(): BrowserFixture {
  const artifacts = join(dashboardDir, 'test-artifacts');
  mkdirSync(artifacts, { recursive: true });
  const bundles: string[] = [];
  const servers: Array<ReturnType<typeof serve>> = [];
  const browsers: Browser[] = [];
  return {
    artifacts,
    async buildBundle() {
      const outDir = mkdtempSync(join(tmpdir(), 'mm-dashboard-bundle-'));
      bundles.push(outDir);
      await build({ root: dashboardDir, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
      return outDir;
    },
    serve(app) {
      return new Promise<string>((resolve) => {
        const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
          resolve(`http://127.0.0.1:${info.port}`),
        );
        servers.push(server);
      });
    },
    async launchBrowser() {
      const browser = await launchHeadlessChromium();
      browsers.push(browser);
      return browser;
    },
    async close() {
      await Promise.all(browsers.map((b) => b.close()));
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      for (const dir of bundles) rmSync(dir, { recursive: true, force: true });
    },
  };
}
