import { join } from 'node:path';
import { createApp } from '@mm/api-core';
import { createLogger } from '@mm/config';
import type { AggDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plantMachines, type SeededMachine, seededMachine, seedPlant } from './plant-seed.ts';
import { browserFixture } from './testing/browser-fixture.ts';

// The plant and pipeline views at 200 machines, in headless Chromium against the real API: the
// machines' aggregates, ledger and data spans are written straight into the aggregation database
// (plant-seed.ts; no raw database is needed by these views), ten days each up to 2024-11-20, with
// the API's clock and the page's clock pinned to 2024-11-20 12:00 UTC. What each view shows is
// checked against what the seed wrote, computed independently of the API.

const fixture = browserFixture();
const { artifacts } = fixture;
const count = 200;
const lastDay = '2024-11-20';
const seededDays = 10;
const now = new Date(`${lastDay}T12:00:00Z`);
const seeded = Array.from({ length: count }, (_, i) => seededMachine(i));

let agg: TestDatabase<AggDatabase>;
let bundle: string;
let base: string;
let browser: Browser;

beforeAll(async () => {
  [agg, bundle] = await Promise.all([createTestDatabase('agg'), fixture.buildBundle()]);
  await seedPlant(agg.db, { count, lastDay, days: seededDays, now });
  const app = createApp({
    config: { machines: plantMachines(count), corsOrigins: [], admin: null },
    aggDb: agg.db,
    rawDbFor: () => {
      throw new Error('the plant and pipeline views never read a raw database');
    },
    logger: createLogger({ app: 'dashboard-test', level: 'silent' }),
    dashboardDir: bundle,
    now: () => now,
  });
  base = await fixture.serve(app);
  browser = await fixture.launchBrowser();
}, 180_000);

afterAll(async () => {
  await fixture.close();
  await agg?.drop();
});

/** A page at the pinned instant that records console errors and every API request it makes. */
async function open(hash: string, options: { dark?: boolean; width?: number } = {}) {
  const page = await browser.newPage({
    viewport: { width: options.width ?? 1366, height: 900 },
    colorScheme: options.dark ? 'dark' : 'light',
  });
  await page.clock.setFixedTime(now);
  const errors: string[] = [];
  const api: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/api/')) api.push(`${url.pathname}${url.search}`);
  });
  await page.goto(`${base}/${hash}`);
  await ready(page);
  return { page, errors, api };
}

async function ready(page: Page, selector = 'main[data-ready]') {
  await page.waitForSelector(`${selector}[aria-busy="false"]`);
}

const statusOf = (m: SeededMachine) =>
  m.failed ? 'failed' : m.stale ? 'stale' : m.critical > 0 ? 'alarm' : m.noData ? 'no_data' : 'ok';
const rank = ['failed', 'stale', 'alarm', 'no_data', 'ok'];
/** Problems first, as docs/api.md defines it, from what the seed wrote. */
const problemsFirst = [...seeded.keys()].sort((a, b) => {
  const [x, y] = [seeded[a] as SeededMachine, seeded[b] as SeededMachine];
  return (
    rank.indexOf(statusOf(x)) - rank.indexOf(statusOf(y)) ||
    Number(y.failed || y.stale) - Number(x.failed || x.stale) ||
    y.critical - x.critical ||
    a - b
  );
});
const ids = (indexes: number[]) => indexes.map((i) => seeded[i]?.id);
const rows = (page: Page) =>
  page.$$eval('table[data-table="plant"] tbody tr', (trs) =>
    trs.map((tr) => tr.getAttribute('data-machine')),
  );

describe('the plant view at 200 machines', () => {
  it('loads in a handful of requests, problems first, with the counts and numbers the seed wrote', async () => {
    const { page, errors, api } = await open('#/plant');
    await page.screenshot({ path: join(artifacts, 'plant-200.png'), fullPage: true });
    // The machine list every view shares and one page of the plant: not one request per machine.
    expect(api).toEqual(['/api/v2/machines', '/api/v2/plant?sort=problems&page=1&page_size=50']);
    expect(await rows(page)).toEqual(ids(problemsFirst.slice(0, 50)));
    const counts = Object.fromEntries(rank.map((s) => [s, seeded.filter((m) => statusOf(m) === s).length]));
    for (const [status, n] of Object.entries(counts)) {
      expect(await page.getAttribute(`.chip[data-status="${status}"]`, 'data-count'), status).toBe(String(n));
    }
    expect(await page.getAttribute('.chip[data-status="all"]', 'data-count')).toBe(String(count));
    expect(await page.textContent('.pager-range')).toBe('Machines 1–50 of 200 · page 1 of 4');

    // Each row's shares and energy against the aggregation tables.
    const activity = await sql<{ machine_id: string; running: number; off: number; energy: number }>`
      select a.machine_id, round((a.running_seconds / a.day_seconds * 100)::numeric, 2)::float8 as running,
             round((a.planned_down_seconds / a.day_seconds * 100)::numeric, 2)::float8 as off,
             (select sum(energy_kwh) from energy_consumption_hourly e
               where e.machine_id = a.machine_id and e.day = a.day) as energy
      from agg_machine_activity_daily a where a.day = ${lastDay}`.execute(agg.db);
    const shown = await page.$$eval('table[data-table="plant"] tbody tr', (trs) =>
      trs.map((tr) => {
        const value = (key: string) => tr.querySelector(`[data-figure="${key}"]`)?.getAttribute('data-value');
        return {
          machine: tr.getAttribute('data-machine'),
          day: tr.getAttribute('data-day'),
          running: value('running'),
          off: value('off'),
          energy: value('energy'),
        };
      }),
    );
    let checked = 0;
    for (const row of shown) {
      const db = activity.rows.find((a) => a.machine_id === row.machine);
      if (!db) {
        expect(seeded.find((m) => m.id === row.machine)?.noData, `${row.machine} has no latest day`).toBe(
          true,
        );
        continue;
      }
      expect(row.day).toBe(lastDay);
      expect(Number(row.running)).toBe(db.running);
      expect(Number(row.off)).toBe(db.off);
      expect(Number(row.energy)).toBeCloseTo(db.energy, 9);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(40);

    await page.click('.pager a[rel="next"]');
    await ready(page, 'main:has(.pager[data-page="2"])');
    expect(await rows(page)).toEqual(ids(problemsFirst.slice(50, 100)));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('searches, filters by status, time zone and profile, and sorts', async () => {
    const { page, errors, api } = await open('#/plant');
    const lathes = [...seeded.keys()].filter((i) => seeded[i]?.name.toLowerCase().includes('lathe 1'));
    expect(lathes.length).toBeGreaterThan(20);
    await page.fill('#plant-q', 'Lathe 1');
    await ready(page, `main:has(.view-plant[data-total="${lathes.length}"])`);
    // The caret stays in the search box across the re-render.
    expect(await page.evaluate('document.activeElement?.id')).toBe('plant-q');
    expect(await rows(page)).toEqual(ids(problemsFirst.filter((i) => lathes.includes(i)).slice(0, 50)));
    // Enter on the same search (the same address) asks again rather than doing nothing.
    const ticket = Number(await page.getAttribute('main', 'data-ready'));
    const before = api.length;
    await page.press('#plant-q', 'Enter');
    await ready(page, `main[data-ready="${ticket + 1}"]`);
    expect(api.slice(before)).toEqual([expect.stringMatching(/^\/api\/v2\/plant\?q=Lathe\+1&/)]);

    await page.fill('#plant-q', '');
    await page.press('#plant-q', 'Enter');
    await ready(page, 'main:has(.view-plant[data-total="200"])');
    await page.click('.chip[data-status="stale"]');
    await ready(page, 'main:has(.chip[data-status="stale"][aria-pressed="true"])');
    const stale = [...seeded.keys()].filter((i) => statusOf(seeded[i] as SeededMachine) === 'stale');
    expect(await rows(page)).toEqual(ids(stale));
    expect(
      await page.$$eval('tbody tr', (trs) => [...new Set(trs.map((tr) => tr.getAttribute('data-status')))]),
    ).toEqual(['stale']);

    await page.selectOption('#plant-status', '');
    await ready(page, 'main:has(.view-plant[data-total="200"])');
    await page.selectOption('#plant-timezone', 'Asia/Tokyo');
    await ready(page, 'main:has(#plant-timezone option[value="Asia/Tokyo"][selected])');
    await page.selectOption('#plant-profile', 'mtconnect');
    await ready(page, 'main:has(#plant-profile option[value="mtconnect"][selected])');
    await page.selectOption('#plant-sort', 'name');
    await ready(page, 'main:has(#plant-sort option[value="name"][selected])');
    const tokyoMt = [...seeded.keys()]
      .filter((i) => seeded[i]?.timezone === 'Asia/Tokyo' && seeded[i]?.profile === 'mtconnect')
      .sort((a, b) => {
        const [x, y] = [seeded[a]?.name.toLowerCase() ?? '', seeded[b]?.name.toLowerCase() ?? ''];
        return x < y ? -1 : x > y ? 1 : a - b;
      });
    expect(tokyoMt.length).toBeGreaterThan(5);
    expect(await rows(page)).toEqual(ids(tokyoMt));
    // Each change was one request for the plant, nothing per machine.
    expect(api.filter((u) => !u.startsWith('/api/v2/plant?'))).toEqual(['/api/v2/machines']);
    expect(errors).toEqual([]);
    await page.close();
  });

  for (const [width, dark] of [
    [1366, false],
    [820, true],
  ] as const) {
    it(`fits a ${width} px window${dark ? ' in dark mode' : ''} without sideways scrolling`, async () => {
      const { page, errors } = await open('#/plant', { width, dark });
      await page.screenshot({ path: join(artifacts, `plant-200-${width}${dark ? '-dark' : ''}.png`) });
      const fits = await page.evaluate(`(() => {
        const doc = document.documentElement;
        const wrap = document.querySelector('.table-scroll');
        return { page: doc.scrollWidth <= doc.clientWidth, table: wrap.scrollWidth <= wrap.clientWidth + 1 };
      })()`);
      expect(fits).toEqual({ page: true, table: true });
      expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe(
        dark ? 'rgb(17, 20, 24)' : 'rgb(246, 247, 249)',
      );
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});

describe('the pipeline view at 200 machines', () => {
  it('opens on the last 14 days, 20 machines a page; days outside a machine’s data are “no data”, never “missing”', async () => {
    const { page, errors, api } = await open('#/pipeline');
    await page.screenshot({ path: join(artifacts, 'pipeline-200.png') });
    expect(await page.inputValue('#from')).toBe('2024-11-07');
    expect(await page.inputValue('#to')).toBe(lastDay);
    expect(api).toEqual([
      '/api/v2/machines',
      `/api/v2/runs?from=2024-11-07&to=${lastDay}&page=1&page_size=20`,
    ]);
    expect(await page.textContent('.pager-range')).toBe('Machines 1–20 of 200 · page 1 of 10');
    const machineRows = await page.$$eval('tr.machine-row', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-machine'), tr.getAttribute('data-span')]),
    );
    expect(machineRows).toEqual(
      seeded.slice(0, 20).map((m) => [m.id, m.span === 'recorded' ? 'recorded' : m.span]),
    );
    const cells = (status: string, machine?: string) =>
      page
        .locator(`button.cell[data-status="${status}"]${machine ? `[data-machine="${machine}"]` : ''}`)
        .count();
    // The seed has 10 days: the range's first 4 days have no data, and m-0005's raw database has none.
    expect(await cells('missing')).toBe(0);
    expect(await cells('nodata')).toBe(19 * 4 * 5 + 14 * 5);
    expect(await cells('nodata', 'm-0005')).toBe(14 * 5);
    expect(await cells('failed')).toBe(1); // m-0007's energy on the last day
    expect(
      await page.getAttribute('button.cell[data-machine="m-0007"][data-status="failed"]', 'data-day'),
    ).toBe(lastDay);
    expect(await page.textContent('tr.machine-row[data-machine="m-0001"] .counts')).toBe(
      ' · 20 nodata, 45 complete, 5 partial'.replace('nodata', 'no data'),
    );

    // Page 4 holds m-0072, whose span the scheduler has not read: nothing is guessed for it.
    await page.click('.pager a[rel="next"]');
    await ready(page, 'main:has(.pager[data-page="2"])');
    await page.goto(`${base}/#/pipeline?machine=all&from=2024-11-07&to=${lastDay}&page=4`);
    await ready(page, 'main:has(.pager[data-page="4"])');
    expect(await page.getAttribute('tr.machine-row[data-machine="m-0072"]', 'data-span')).toBe('unknown');
    expect(await cells('missing', 'm-0072')).toBe(14 * 5);
    expect(await cells('nodata', 'm-0072')).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
