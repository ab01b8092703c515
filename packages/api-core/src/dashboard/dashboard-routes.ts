import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';

/** Where `pnpm build:dashboard` writes the bundle (the same relative path from a compiled `dist/`). */
export const defaultDashboardDir = fileURLToPath(
  new URL('../../../../apps/dashboard/build', import.meta.url),
);

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Machine monitoring</title><link rel="icon" href="data:,">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}
@media (prefers-color-scheme: dark){body{background:#111;color:#eee}a{color:#8cf}}</style></head>
<body><h1>Machine monitoring API</h1>
<p>The dashboard is not built on this server. Build it with <code>pnpm build:dashboard</code>
(<code>pnpm --filter @mm/dashboard build</code>) and reload this page.</p>
<p>The API works without it: <a href="/docs">documentation</a>, <a href="/api/v2/machines">machines</a>,
<a href="/api/status">status</a>.</p></body></html>`;

/**
 * The dashboard's bundle, served offline: `GET /` from a browser (`Accept: text/html`) is its
 * `index.html`, and `/assets/*` its hashed files (cached for a year: a new build has new names).
 * Any other `GET /` falls through to the JSON greeting, so API clients and the original contract see
 * no change. Without a built bundle, the page says how to build it.
 *
 * @example
 * app.route('/', dashboardRoutes({ dir: defaultDashboardDir }));
 */
export function dashboardRoutes(options: { dir: string }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Made once the bundle exists (serveStatic complains on stderr about a missing root).
  let assets: MiddlewareHandler<AppEnv> | undefined;
  app.use('/assets/*', async (c, next) => {
    if (!existsSync(options.dir)) return next();
    assets ??= serveStatic<AppEnv>({ root: options.dir });
    const found = await assets(c, next);
    // Not found, serveStatic passed the request on (and returns whatever that gave back).
    if (!(found instanceof Response)) return undefined;
    found.headers.set('Cache-Control', 'public, max-age=31536000, immutable');
    return found;
  });
  app.get('/', async (c, next) => {
    if (!c.req.header('accept')?.includes('text/html')) return next();
    let page: string;
    try {
      // Read per request: a rebuild while the server runs renames the assets the page links to.
      page = await readFile(join(options.dir, 'index.html'), 'utf8');
    } catch {
      page = notBuiltPage;
    }
    return c.html(page, 200, { 'Cache-Control': 'no-cache' });
  });
  return app;
}
