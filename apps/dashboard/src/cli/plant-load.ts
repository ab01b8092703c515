// `pnpm dashboard plant-load [--machines 2,200] [--runs 5] [--bundle <dir>]`: how many
// requests the Plant and Pipeline views make, and how long until their content is on screen, for plants
// of several sizes, in headless Chromium against the real API.
//
// For each size: a temporary aggregation database (migrated, then filled by plant-seed.ts: 14 days of
// every aggregate, the run ledger and the data spans of each machine, up to today; no raw database is
// needed by these views), the API on an ephemeral 127.0.0.1 port in this process, and `--runs` loads of
// each view, each in a fresh browser context (empty cache). Reported per view, median of the runs:
// requests to /api/ (and how many failed, if any), bytes of their bodies, and `first-view` (the view's content is on screen, from
// navigation start). The bundle is built from the sources unless `--bundle` names a built one (e.g. an
// older version's, to compare). BENCH_DATABASE_URL: an admin connection (default
// postgres://postgres@127.0.0.1:5432/postgres); the databases are dropped at the end.
// Last line: `plant view at <N> machines: <n> API requests, first view <ms> ms (<n0> machines: <n> API requests, <ms> ms)`.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createApp } from '@mm/api-core';
import { createLogger } from '@mm/config';
import { type AggDatabase, createDb, migrateToLatest } from '@mm/db';
import { sql } from 'kysely';
import { build } from 'vite';
import { launchHeadlessChromium } from '../headless-chromium.ts';
import { plantMachines, seedPlant } from '../plant-seed.ts';

const { values } = parseArgs({
  options: {
    machines: { type: 'string', default: '2,200' },
    runs: { type: 'string', default: '5' },
    bundle: { type: 'string' },
  },
  strict: true,
});
const sizes = (values.machines ?? '').split(',').map(Number);
const runs = Number(values.runs);
if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: plant-load [--machines 2,200] [--runs 5] [--bundle <built dashboard dir>]');
  process.exit(64);
}
const say = (line = '') => process.stdout.write(`${line}\n`);
const adminUrl = process.env.BENCH_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
const urlOf = (name: string) => {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

let bundle = values.bundle;
const built = bundle ? null : mkdtempSync(join(tmpdir(), 'mm-plant-load-'));
if (built) {
  say('building the dashboard from the sources…');
  const root = fileURLToPath(new URL('../../', import.meta.url));
  await build({ root, logLevel: 'warn', build: { outDir: built, emptyOutDir: true } });
  bundle = built;
}

interface Load {
  api: number;
  bytes: number;
  firstView: number;
  /** API requests that failed or answered 4xx/5xx. */
  errors: number;
}
const results: Array<{ machines: number; view: string; loads: Load[] }> = [];
const admin = createDb(adminUrl, { max: 1 });
const browser = await launchHeadlessChromium();
say(`load average before the run: ${loadavg()[0]?.toFixed(2)}`);
try {
  for (const count of sizes) {
    const name = `mm_plant_load_${process.pid}_${count}`;
    await sql`create database ${sql.id(name)}`.execute(admin);
    const agg = createDb<AggDatabase>(urlOf(name), { max: 4 });
    const server = { close: async () => {} };
    try {
      await migrateToLatest(agg);
      const now = new Date();
      await seedPlant(agg, { count, lastDay: now.toISOString().slice(0, 10), days: 14, now });
      await sql`analyze`.execute(agg);
      const app = createApp({
        config: { machines: plantMachines(count), corsOrigins: [], admin: null },
        aggDb: agg,
        rawDbFor: () => {
          throw new Error('these views never read a raw database');
        },
        logger: createLogger({ app: 'plant-load', level: 'silent' }),
        dashboardDir: bundle,
      });
      const base = await new Promise<string>((resolve) => {
        const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
          resolve(`http://127.0.0.1:${info.port}`),
        );
        server.close = () => new Promise((done) => s.close(() => done()));
      });
      for (const view of ['#/plant', '#/pipeline']) {
        const loads: Load[] = [];
        for (let i = 0; i < runs; i++) {
          const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
          const page = await context.newPage();
          const isApi = (url: string) => new URL(url).pathname.startsWith('/api/');
          let requests = 0;
          let errors = 0;
          const api: Array<Promise<number>> = [];
          page.on('request', (request) => {
            if (isApi(request.url())) requests += 1;
          });
          page.on('requestfailed', (request) => {
            if (isApi(request.url())) errors += 1;
          });
          page.on('requestfinished', (request) => {
            if (!isApi(request.url())) return;
            api.push(
              request.sizes().then(async (s) => {
                if (((await request.response())?.status() ?? 0) >= 400) errors += 1;
                return s.responseBodySize;
              }),
            );
          });
          await page.goto(`${base}/${view}`);
          await page.waitForSelector('main[data-ready][aria-busy="false"]');
          const firstView = (await page.evaluate(
            "performance.getEntriesByName('first-view')[0]?.startTime ?? NaN",
          )) as number;
          const bytes = (await Promise.all(api)).reduce((a, b) => a + b, 0);
          loads.push({ api: requests, bytes, firstView, errors });
          await context.close();
        }
        results.push({ machines: count, view, loads });
        const m = (key: keyof Load) => median(loads.map((l) => l[key]));
        say(
          `  ${`${count} machines`.padEnd(14)} ${view.padEnd(11)} ${m('api')} API requests, ${(m('bytes') / 1024).toFixed(0)} kB, first view ${m('firstView').toFixed(0)} ms${m('errors') > 0 ? `, ${m('errors')} failed` : ''} (median of ${runs})`,
        );
      }
    } finally {
      await server.close();
      await agg.destroy();
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
    }
  }
} finally {
  await browser.close();
  await admin.destroy();
  if (built) rmSync(built, { recursive: true, force: true });
}
const plant = results.filter((r) => r.view === '#/plant');
const largest = plant.at(-1);
const smallest = plant[0];
if (largest && smallest) {
  const m = (r: typeof largest, key: keyof Load) => median(r.loads.map((l) => l[key]));
  say(
    `plant view at ${largest.machines} machines: ${m(largest, 'api')} API requests, first view ${m(largest, 'firstView').toFixed(0)} ms (${smallest.machines} machines: ${m(smallest, 'api')} API requests, ${m(smallest, 'firstView').toFixed(0)} ms)`,
  );
}
