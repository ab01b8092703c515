import { join } from 'node:path';
import { type ApiQueues, createApp, openApiQueues } from '@mm/api-core';
import { createLogger, machinesFileSchema, resolveMachines } from '@mm/config';
import { type AggDatabase, createDb, type RawDatabase } from '@mm/db';
import { etlIds, runEtl } from '@mm/etl';
import { defaultSliceJobPolicy } from '@mm/queue';
import { rawBuilder, simulatePlant } from '@mm/raw';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assertChromiumInstalled } from './headless-chromium.ts';
import { browserFixture } from './testing/browser-fixture.ts';

// The dashboard in real headless Chromium (Debian's package, driven by playwright-core), served by
// the real API over HTTP, on databases filled by the real ETLs: press-07 simulated by @mm/raw's plant
// simulator (Europe/Madrid, 2024-10-24..28, the 27th a Sunday with the autumn clock change) and
// mazak01 written with the raw builder (mtconnect, UTC). press-07's 28th fails (its raw database
// unreachable for that run), so the pipeline grid has a failed day to re-queue. Every number the
// page shows is checked against the aggregation tables, not against the API that served it.

const fixture = browserFixture();
const { artifacts } = fixture;
const admin = { user: 'ops', password: 'Kestrel-Quarry-41' };
const days = ['2024-10-24', '2024-10-25', '2024-10-26', '2024-10-27'];
const failedDay = '2024-10-28';

let agg: TestDatabase<AggDatabase>;
let pressRaw: TestDatabase<RawDatabase>;
let mazakRaw: TestDatabase<RawDatabase>;
let queues: ApiQueues;
let bundle: string;
let base: string;
let browser: Browser;

beforeAll(async () => {
  // No browser is a failure, never a skip: CI installs it (.ci/run), a developer with apt-get.
  assertChromiumInstalled();
  [agg, pressRaw, mazakRaw, bundle] = await Promise.all([
    createTestDatabase('agg'),
    createTestDatabase('raw'),
    createTestDatabase('raw'),
    // The page under test is built from the sources now, not from whatever was built before.
    fixture.buildBundle(),
  ]);
  await simulatePlant({
    url: pressRaw.url,
    seed: 7,
    start: days[0] as string,
    days: days.length + 1,
    timezone: 'Europe/Madrid',
    volume: 0.01,
    garbageRate: 0,
  });
  const mazak = rawBuilder(mazakRaw.db);
  mazak
    .variable('execution', 'java.lang.String')
    .at('2024-10-25T06:00:00Z', 'ACTIVE')
    .at('2024-10-25T09:30:00Z', 'FEED_HOLD')
    .at('2024-10-25T10:00:00Z', 'ACTIVE')
    .at('2024-10-25T18:00:00Z', 'UNAVAILABLE')
    .at('2024-10-26T00:30:00Z', 'READY');
  mazak
    .variable('program', 'java.lang.String')
    .at('2024-10-25T06:00:00Z', 'O5')
    .at('2024-10-25T12:00:00Z', '1234');
  mazak
    .variable('Stemp', 'java.lang.Double')
    .at('2024-10-25T06:30:00Z', 30)
    .at('2024-10-25T14:10:00Z', 34)
    .at('2024-10-26T00:30:00Z', 31);
  mazak
    .variable('Sload', 'java.lang.Double')
    .at('2024-10-25T06:00:00Z', 25)
    .at('2024-10-25T12:00:00Z', 80)
    .at('2024-10-25T18:00:00Z', Number.NaN);
  mazak
    .variable('servo_cond', 'mtconnect.Condition')
    .at('2024-10-25T09:00:00Z', 'Fault|E42|1||Spindle fault');
  await mazak.write();

  const machines = resolveMachines(
    machinesFileSchema.parse({
      machines: [
        {
          id: 'press-07',
          name: 'Press 07',
          rawDatabaseUrl: pressRaw.url,
          timezone: 'Europe/Madrid',
          profile: 'logger',
        },
        {
          id: 'mazak01',
          name: 'Mazak',
          rawDatabaseUrl: mazakRaw.url,
          profile: 'mtconnect',
          signals: { motors: [{ variable: 'Sload', ratedKw: 11 }] },
        },
      ],
    }),
  );
  const [press, mazakMachine] = machines as [(typeof machines)[0], (typeof machines)[0]];
  const logger = createLogger({ app: 'dashboard-test', level: 'silent' });
  for (const day of days) {
    for (const etl of etlIds)
      await runEtl({ aggDb: agg.db, rawDb: pressRaw.db, machine: press, etl, day, logger });
  }
  for (const etl of etlIds) {
    await runEtl({
      aggDb: agg.db,
      rawDb: mazakRaw.db,
      machine: mazakMachine,
      etl,
      day: '2024-10-25',
      logger,
    });
  }
  const deadRaw = createDb<RawDatabase>('postgres://postgres@127.0.0.1:1/nowhere', {
    max: 1,
    readOnly: true,
  });
  try {
    for (const etl of etlIds) {
      await runEtl({ aggDb: agg.db, rawDb: deadRaw, machine: press, etl, day: failedDay, logger }).catch(
        () => {},
      );
    }
  } finally {
    await deadRaw.destroy();
  }

  queues = openApiQueues({
    redisUrl: inject('redisUrl'),
    prefix: `mm_t_dash_${process.pid}_${Date.now() % 100_000}`,
    policy: defaultSliceJobPolicy,
    logger,
  });
  if (!(await queues.untilReady(5000))) throw new Error('Redis did not answer');
  const app = createApp({
    config: { machines, corsOrigins: [], admin },
    aggDb: agg.db,
    rawDbFor: (m) => (m.id === 'press-07' ? pressRaw.db : mazakRaw.db),
    logger,
    queues,
    dashboardDir: bundle,
  });
  base = await fixture.serve(app);
  browser = await fixture.launchBrowser();
}, 180_000);

afterAll(async () => {
  await fixture.close();
  if (queues?.ready()) await Promise.all(queues.etl.all().map((q) => q.obliterate({ force: true })));
  await queues?.close();
  await Promise.all([agg?.drop(), pressRaw?.drop(), mazakRaw?.drop()]);
});

/** A fresh page that records console errors and uncaught exceptions. */
async function open(hash: string, options: { dark?: boolean; width?: number } = {}) {
  const page = await browser.newPage({
    viewport: { width: options.width ?? 1280, height: 900 },
    colorScheme: options.dark ? 'dark' : 'light',
  });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/${hash}`);
  await settled(page);
  return { page, errors };
}

/** Waits until the view has rendered and its charts have drawn. */
async function settled(page: Page, selector = 'main[data-ready]') {
  await page.waitForSelector(`${selector}[aria-busy="false"]`);
  await page.waitForFunction(
    "[...document.querySelectorAll('figure.chart')].every((f) => f.dataset.drawn === 'true')",
  );
}

/** The exact numbers of a data table, row by row (`data-value` of each numeric cell). */
async function tableValues(page: Page, name: string): Promise<Array<Array<number | null>>> {
  return page.$$eval(`table[data-table="${name}"] tbody tr`, (rows) =>
    rows.map((r) =>
      [...r.querySelectorAll('td.num')].map((td) => {
        const value = td.getAttribute('data-value');
        return value === 'null' ? null : Number(value);
      }),
    ),
  );
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

async function dayFromDb(machine: string, day: string) {
  const [temperature, energy, activity, programs] = await Promise.all([
    agg.db
      .selectFrom('agg_sensor_stats')
      .select(['min_value', 'avg_value', 'max_value', 'readings_count'])
      .where('machine_id', '=', machine)
      .where('day', '=', day)
      .orderBy('hour_ts')
      .execute(),
    agg.db
      .selectFrom('energy_consumption_hourly')
      .select(sql<number>`coalesce(sum(energy_kwh), 0)::float8`.as('total'))
      .where('machine_id', '=', machine)
      .where('day', '=', day)
      .executeTakeFirstOrThrow(),
    agg.db
      .selectFrom('agg_machine_activity_daily')
      .select(['running_seconds', 'unplanned_down_seconds', 'planned_down_seconds', 'day_seconds'])
      .where('machine_id', '=', machine)
      .where('day', '=', day)
      .executeTakeFirst(),
    agg.db
      .selectFrom('machine_program_data')
      .select(['program', 'duration_seconds'])
      .where('machine_id', '=', machine)
      .where('day', '=', day)
      .orderBy('duration_seconds', 'desc')
      .orderBy('program')
      .execute(),
  ]);
  return { temperature, energy: Number(energy.total), activity, programs };
}

/** A number the API rounds to 2 decimals (hours, percentages) against the exact one. */
function expectRounded(served: number | null | undefined, exact: number) {
  expect(served).not.toBeNull();
  expect(Math.abs((served as number) - exact)).toBeLessThanOrEqual(0.005 + 1e-9);
}

async function expectDayMatchesDb(page: Page, machine: string, day: string) {
  const db = await dayFromDb(machine, day);
  expect(db.temperature.length, `${machine} ${day} has temperature hours`).toBeGreaterThan(0);
  expect(await page.getAttribute('figure[data-chart="temperature"]', 'data-points')).toBe(
    String(db.temperature.length),
  );
  const temperature = await tableValues(page, 'temperature');
  expect(temperature).toHaveLength(db.temperature.length);
  temperature.forEach(([min, avg, max, , , readings], i) => {
    const row = db.temperature[i]!;
    expect(min).toBeCloseTo(Number(row.min_value), 9);
    expect(avg).toBeCloseTo(Number(row.avg_value), 9);
    expect(max).toBeCloseTo(Number(row.max_value), 9);
    expect(readings).toBe(Number(row.readings_count));
  });
  expect(Number(await page.getAttribute('[data-total="energy"]', 'data-value'))).toBeCloseTo(db.energy, 9);
  const programs = await page.$$eval('[data-chart="programs"] li', (items) =>
    items.map((li) => [li.getAttribute('data-program'), Number(li.getAttribute('data-value'))]),
  );
  // The API serves an integer-like program as a number (`+007` is 7), anything else as text.
  const served = (program: string) => (/^[+-]?\d+$/.test(program) ? String(Number(program)) : program);
  expect(programs).toEqual(db.programs.map((p) => [served(p.program), Number(p.duration_seconds)]));
  const a = db.activity!;
  const [running, idle, off] = await tableValues(page, 'utilization');
  // The API serves hours rounded to 2 decimals.
  expectRounded(running?.[0], Number(a.running_seconds) / 3600);
  expectRounded(idle?.[0], Number(a.unplanned_down_seconds) / 3600);
  expectRounded(off?.[0], Number(a.planned_down_seconds) / 3600);
  // The timeline is drawn from the raw state changes: its running time agrees with the ETL's.
  const timeline = await tableValues(page, 'state-timeline');
  expect(timeline[0]?.[0]).toBeCloseTo(Number(a.running_seconds) / 3600, 2);
}

describe('the dashboard in headless Chromium', () => {
  it('plant view: every machine with its latest day, served numbers, no console errors', async () => {
    const { page, errors } = await open('#/plant');
    await shot(page, 'plant');
    const rows = await page.$$eval('table[data-table="plant"] tbody tr', (els) =>
      els.map((e) => [e.getAttribute('data-machine'), e.getAttribute('data-status')]),
    );
    // Problems first: press-07's failed day, then mazak01's spindle fault.
    expect(rows).toEqual([
      ['press-07', 'failed'],
      ['mazak01', 'alarm'],
    ]);
    const pressDay = await page.getAttribute('tr[data-machine="press-07"]', 'data-day');
    expect(pressDay).toBe(
      (
        await agg.db
          .selectFrom('v_data_status')
          .select('last_date')
          .where('machine_id', '=', 'press-07')
          .executeTakeFirstOrThrow()
      ).last_date,
    );
    const db = await dayFromDb('press-07', pressDay!);
    const figure = (key: string) =>
      page.getAttribute(`tr[data-machine="press-07"] [data-figure="${key}"]`, 'data-value');
    const a = db.activity!;
    expect(Number(await figure('running'))).toBeCloseTo(
      (Number(a.running_seconds) / Number(a.day_seconds)) * 100,
      9,
    );
    expect(Number(await figure('off'))).toBeCloseTo(
      (Number(a.planned_down_seconds) / Number(a.day_seconds)) * 100,
      9,
    );
    expect(Number(await figure('energy'))).toBeCloseTo(db.energy, 9);
    expect(await page.getAttribute('tr[data-machine="mazak01"]', 'data-day')).toBe('2024-10-25');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('machine day: the charts draw the served numbers, and follow a change of day and of machine', async () => {
    const { page, errors } = await open('#/day?machine=press-07&day=2024-10-25');
    await shot(page, 'machine-day');
    await expectDayMatchesDb(page, 'press-07', '2024-10-25');
    expect(await page.getAttribute('.view-day', 'data-partial')).toBe('false');

    await page.fill('#day', '2024-10-24');
    await settled(page, 'main:has(.view-day[data-day="2024-10-24"])');
    await expectDayMatchesDb(page, 'press-07', '2024-10-24');

    // The Sunday of the clock change: the machine is off, the panels say so instead of a blank chart.
    await page.click('text=Next day ▶');
    await settled(page, 'main:has(.view-day[data-day="2024-10-25"])');
    await page.fill('#day', '2024-10-27');
    await settled(page, 'main:has(.view-day[data-day="2024-10-27"])');
    expect(await page.locator('text=No temperature readings on 2024-10-27.').count()).toBe(1);
    expect(await page.locator('figure[data-chart="temperature"]').count()).toBe(0);
    const sunday = await tableValues(page, 'utilization');
    expect(sunday[2]?.[0]).toBeCloseTo(25, 9); // 25 hours off: the autumn day is an hour longer

    await page.selectOption('#machine', 'mazak01');
    await settled(page, 'main:has(.view-day[data-machine="mazak01"][data-day="2024-10-25"])');
    await shot(page, 'machine-day-mazak01');
    await expectDayMatchesDb(page, 'mazak01', '2024-10-25');
    const critical = await page.$$eval(
      'table[data-table="critical-alerts"] tbody tr td:nth-child(3)',
      (tds) => tds.map((td) => td.textContent),
    );
    expect(critical).toEqual(['E42']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('week / range: daily running share and energy per day, on a tablet in dark mode', async () => {
    const { page, errors } = await open('#/range?machine=press-07&from=2024-10-24&to=2024-10-27', {
      dark: true,
      width: 768,
    });
    await shot(page, 'range-tablet-dark');
    const rows = await tableValues(page, 'range');
    expect(rows).toHaveLength(4);
    for (const [i, day] of days.entries()) {
      const db = await dayFromDb('press-07', day);
      const a = db.activity!;
      expectRounded(rows[i]?.[0], (Number(a.running_seconds) / Number(a.day_seconds)) * 100);
      if (db.energy > 0) expect(rows[i]?.[3]).toBeCloseTo(db.energy, 9);
      else expect(rows[i]?.[3]).toBeNull();
    }
    expect(await page.getAttribute('figure[data-chart="running-share"]', 'data-points')).toBe('4');
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(17, 20, 24)');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('pipeline: the failed day shows its reason and is re-queued from the page by a signed-in operator', async () => {
    const { page, errors } = await open(`#/pipeline?machine=press-07&from=2024-10-22&to=${failedDay}`);
    const failed = page.locator(
      `button.cell[data-machine="press-07"][data-day="${failedDay}"][data-etl="energy"]`,
    );
    expect(await failed.getAttribute('data-status')).toBe('failed');
    const ledger = await agg.db
      .selectFrom('etl_runs')
      .select('error')
      .where('machine_id', '=', 'press-07')
      .where('etl', '=', 'energy')
      .where('day', '=', failedDay)
      .executeTakeFirstOrThrow();
    expect(ledger.error).toBeTruthy();
    expect(await failed.getAttribute('title')).toContain(
      `reason: ${ledger.error!.split('\n')[0]!.slice(0, 60)}`,
    );
    expect(await page.locator(`button.cell[data-day="2024-10-24"][data-status="complete"]`).count()).toBe(5);
    expect(await page.locator('a[href="/admin/queues"]').count()).toBe(1);

    // A wrong password is answered on the page, at once (not held for the browser's own prompt).
    await page.fill('#admin-user', admin.user);
    await page.fill('#admin-password', 'Not-The-Password-9');
    const asked = Date.now();
    await page.click('button:text("Sign in")');
    await page.waitForSelector('.sign-in-state[data-signed-in="false"]', { timeout: 2000 });
    expect(Date.now() - asked).toBeLessThan(2000);
    expect(await page.textContent('.sign-in-state')).toBe('Wrong user name or password.');
    // The browser reports the refused check itself; it is the only error the page sees.
    expect(errors).toEqual([expect.stringMatching(/status of 401/)]);
    errors.length = 0;
    await page.fill('#admin-password', admin.password);
    await page.click('button:text("Sign in")');
    await page.waitForSelector('.sign-in-state[data-signed-in="true"]');
    expect(await page.textContent('.sign-in-state')).toBe(`Signed in as ${admin.user}.`);
    // The form goes once signed in.
    expect(await page.isVisible('form.sign-in')).toBe(false);
    // Keyboard: focus the failed cell and select it with Enter, then re-queue the whole day.
    await failed.focus();
    await page.keyboard.press('Enter');
    expect(await page.inputValue('#rq-from')).toBe(failedDay);
    await page.selectOption('#rq-etl', 'all');
    await page.click('button:text("Re-queue")');
    await page.waitForSelector('.requeue-result[data-jobs]');
    await shot(page, 'pipeline');
    const jobIds = (await page.getAttribute('.requeue-result', 'data-jobs'))!.split(' ');
    expect(jobIds.sort()).toEqual(etlIds.map((etl) => `press-07__${etl}__${failedDay}`).sort());
    for (const etl of etlIds) {
      const job = await queues.etl.queue.getJob(`press-07__${etl}__${failedDay}`);
      expect(job?.data).toEqual({ machine: 'press-07', etl, day: failedDay });
      expect(await job?.getState()).toBe('waiting');
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says what is wrong when the aggregation database is unreachable', async () => {
    const dead = createDb<AggDatabase>('postgres://postgres@127.0.0.1:1/nowhere', { max: 1 });
    const app = createApp({
      config: {
        machines: resolveMachines(
          machinesFileSchema.parse({
            machines: [{ id: 'press-07', name: 'Press 07', rawDatabaseUrl: pressRaw.url, profile: 'logger' }],
          }),
        ),
        corsOrigins: [],
        admin: null,
      },
      aggDb: dead,
      rawDbFor: () => pressRaw.db,
      logger: createLogger({ app: 'dashboard-test', level: 'silent' }),
      dashboardDir: bundle,
    });
    const down = await fixture.serve(app);
    try {
      const page = await browser.newPage();
      await page.goto(`${down}/#/plant`);
      await page.waitForSelector('main[aria-busy="false"]');
      expect(await page.textContent('.note.error')).toContain('aggregation database is unreachable');
      await page.close();
    } finally {
      await dead.destroy();
    }
  });
});
