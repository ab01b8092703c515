import { join } from 'node:path';
import { createApp } from '@mm/api-core';
import { createLogger, type Machine, machinesFileSchema, resolveMachines } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { etlIds, recordDataSpans, runEtl } from '@mm/etl';
import { rawBuilder } from '@mm/raw';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFixture } from './testing/browser-fixture.ts';

// What the views say matches what the data says, in headless Chromium against the real API on data
// built by the real ETLs, with the API's and the page's clocks pinned to Monday 2024-11-18 10:00 in
// Madrid:
// - press-07 (logger, Europe/Madrid) ran last week and was switched off on Friday at 21:54:42; the
//   logger wrote nothing since (as it wrote nothing over the weekend before). Its Thursday's shares
//   are chosen so that rounding hours first and rounding the share give different first decimals.
// - press-08 (logger) has run since 06:00 today: its day is still growing.
// - mazak01 (MTConnect, UTC, Sload rated 11 kW) has a temperature reading two days before its first
//   `execution` reading, and ends UNAVAILABLE.
// - gap-01 measures activity by the gap method: no state signal at all.

const fixture = browserFixture();
const { artifacts } = fixture;
const now = new Date('2024-11-18T09:00:00Z');
const madrid = 'Europe/Madrid';

let agg: TestDatabase<AggDatabase>;
const raws: Record<string, TestDatabase<RawDatabase>> = {};
let bundle: string;
let base: string;
let browser: Browser;

/** Daily energy of press-07 by construction: SPINDLE_LOAD_1 (37 kW) at a load for some hours. */
const pressEnergy: Record<string, number> = {
  '2024-11-08': 37 * 15, // 100 % 06:00-21:00
  '2024-11-11': 37 * 10, // 100 % 06:00-16:00
  '2024-11-12': 37 * 16, // 100 % 06:00-22:00
  '2024-11-13': 37 * 0.5 * 10, // 50 % 06:00-16:00
  '2024-11-14': 37 * 0.75 * (11 + 50 / 60), // 75 % 06:10-18:00
  '2024-11-15': 37 * 15, // 100 % 06:00-21:00
};

beforeAll(async () => {
  const ids = ['press-07', 'press-08', 'mazak01', 'gap-01'];
  const [aggDb, ...rawDbs] = await Promise.all([
    createTestDatabase('agg'),
    ...ids.map(() => createTestDatabase('raw')),
    fixture.buildBundle().then((dir) => {
      bundle = dir;
    }),
  ]);
  agg = aggDb as TestDatabase<AggDatabase>;
  ids.forEach((id, i) => {
    raws[id] = rawDbs[i] as TestDatabase<RawDatabase>;
  });

  const pressRaw = rawBuilder(raws['press-07']!.db, { timezone: madrid });
  const press = pressRaw.logger();
  const shift = (day: string, from: string, to: string, load: number, loadTo = to) => {
    press.state.at(`${day} ${from}`, 255);
    press.spindle.at(`${day} ${from}`, load).at(`${day} ${loadTo}`, Number.NaN);
    press.temperature.at(`${day} 08:00`, 2500).at(`${day} 12:00`, 2650);
    if (to !== '') press.state.at(`${day} ${to}`, Number.NaN);
  };
  shift('2024-11-08', '06:00', '21:00', 100);
  shift('2024-11-11', '06:00', '22:00', 100, '16:00');
  press.state.at('2024-11-11 14:00', 0).at('2024-11-11 15:00', 255);
  shift('2024-11-12', '06:00', '22:00', 100);
  shift('2024-11-13', '06:00', '16:00', 50);
  // Thursday: off until 06:07:55.2 (22,075.2 s = 25.55 % of the day, 6.132 h), running until 18:00
  // (49.45 %), then idle through the night (25 %): hours rounded first would say 25.54 %.
  press.state.at('2024-11-14 06:07:55.200', 255).at('2024-11-14 18:00', 0);
  press.spindle.at('2024-11-14 06:10', 75).at('2024-11-14 18:00', Number.NaN);
  press.temperature.at('2024-11-14 08:00', 2500).at('2024-11-14 12:00', 2650);
  // Friday: on at 06:00, switched off at 21:54:42.172; nothing logged since.
  press.state.at('2024-11-15 06:00', 255).at('2024-11-15 21:54:42.172', Number.NaN);
  press.spindle.at('2024-11-15 06:00', 100).at('2024-11-15 21:00', Number.NaN);
  press.temperature.at('2024-11-15 08:00', 2500).at('2024-11-15 12:00', 2650);
  await pressRaw.write();

  const live = rawBuilder(raws['press-08']!.db, { timezone: madrid });
  const l = live.logger();
  l.state.at('2024-11-18 06:00', 255).at('2024-11-18 08:00', 0).at('2024-11-18 08:30', 255);
  l.spindle.at('2024-11-18 06:00', 80);
  l.temperature.at('2024-11-18 07:00', 2500).at('2024-11-18 09:55', 2600);
  await live.write();

  const mazak = rawBuilder(raws.mazak01!.db);
  mazak
    .variable('Stemp', 'java.lang.Double')
    .at('2024-11-11T03:00:00Z', 30)
    .at('2024-11-13T06:30:00Z', 31)
    .at('2024-11-13T11:00:00Z', 33);
  mazak
    .variable('execution', 'java.lang.String')
    .at('2024-11-13T06:00:00Z', 'READY')
    .at('2024-11-13T07:00:00Z', 'ACTIVE')
    .at('2024-11-13T09:00:00Z', 'READY')
    .at('2024-11-13T17:00:00Z', 'UNAVAILABLE');
  mazak
    .variable('Sload', 'java.lang.Double')
    .at('2024-11-13T07:00:00Z', 50)
    .at('2024-11-13T09:00:00Z', 0)
    .at('2024-11-13T17:00:00Z', Number.NaN);
  await mazak.write();

  const gap = rawBuilder(raws['gap-01']!.db, { timezone: madrid });
  gap.variable('OIL_TEMP', 'java.lang.Double').series('2024-11-14 08:00', 300_000, Array(25).fill(40));
  await gap.write();

  const machines = resolveMachines(
    machinesFileSchema.parse({
      profiles: {
        'gap-line': {
          state: { method: 'gap' },
          temperature: [{ variable: 'OIL_TEMP', scale: 1 }],
        },
      },
      machines: [
        {
          id: 'press-07',
          name: 'Press 07',
          rawDatabaseUrl: raws['press-07']!.url,
          timezone: madrid,
          profile: 'logger',
        },
        {
          id: 'press-08',
          name: 'Press 08',
          rawDatabaseUrl: raws['press-08']!.url,
          timezone: madrid,
          profile: 'logger',
        },
        {
          id: 'mazak01',
          name: 'Mazak',
          rawDatabaseUrl: raws.mazak01!.url,
          profile: 'mtconnect',
          signals: { motors: [{ variable: 'Sload', ratedKw: 11 }] },
        },
        {
          id: 'gap-01',
          name: 'Gap line',
          rawDatabaseUrl: raws['gap-01']!.url,
          timezone: madrid,
          profile: 'gap-line',
        },
      ],
    }),
  );
  const logger = createLogger({ app: 'dashboard-test', level: 'silent' });
  const byId = new Map(machines.map((m) => [m.id, m]));
  const runDays = async (id: string, days: string[]) => {
    for (const day of days) {
      for (const etl of etlIds) {
        await runEtl({
          aggDb: agg.db,
          rawDb: raws[id]!.db,
          machine: byId.get(id) as Machine,
          etl,
          day,
          logger,
        });
      }
    }
  };
  await runDays('press-07', [
    '2024-11-08',
    '2024-11-09',
    '2024-11-10',
    '2024-11-11',
    '2024-11-12',
    '2024-11-13',
    '2024-11-14',
    '2024-11-15',
  ]);
  await runDays('press-08', ['2024-11-18']);
  await runDays('mazak01', ['2024-11-11', '2024-11-12', '2024-11-13']);
  await runDays('gap-01', ['2024-11-14']);
  await recordDataSpans(agg.db, [
    {
      machineId: 'press-07',
      span: { first: Date.parse('2024-11-08T05:00:00Z'), last: Date.parse('2024-11-15T20:54:42.172Z') },
      checkedAt: now,
    },
    {
      machineId: 'press-08',
      span: { first: Date.parse('2024-11-18T05:00:00Z'), last: Date.parse('2024-11-18T08:55:00Z') },
      checkedAt: now,
    },
  ]);

  const app = createApp({
    config: { machines, corsOrigins: [], admin: null },
    aggDb: agg.db,
    rawDbFor: (m) => raws[m.id]!.db,
    logger,
    dashboardDir: bundle,
    now: () => now,
  });
  base = await fixture.serve(app);
  browser = await fixture.launchBrowser();
}, 180_000);

afterAll(async () => {
  await fixture.close();
  await Promise.all([agg?.drop(), ...Object.values(raws).map((r) => r.drop())]);
});

/** A page at the pinned instant that records console errors. */
async function open(hash: string, options: { dark?: boolean; width?: number } = {}) {
  const page = await browser.newPage({
    viewport: { width: options.width ?? 1366, height: 900 },
    colorScheme: options.dark ? 'dark' : 'light',
  });
  await page.clock.setFixedTime(now);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/${hash}`);
  await settled(page);
  return { page, errors };
}

async function settled(page: Page, selector = 'main[data-ready]') {
  await page.waitForSelector(`${selector}[aria-busy="false"]`);
  await page.waitForFunction(
    "[...document.querySelectorAll('figure.chart')].every((f) => f.dataset.drawn === 'true')",
  );
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

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

/** The text each share shows, by state, in an element that lists `[data-figure]`s. */
async function figures(page: Page, scope: string): Promise<Record<string, string>> {
  return page.$$eval(`${scope} [data-figure]`, (els) =>
    Object.fromEntries(
      els.map((e) => [
        e.getAttribute('data-figure'),
        ((e.textContent ?? '').match(/[\d.]+\s*%/)?.[0] ?? '').replace(/\s/g, ' '),
      ]),
    ),
  );
}

/** The text of a share in the range view's table cell: the digits it shows. */
async function rangeRow(page: Page, day: string): Promise<string[]> {
  return page.$$eval(
    `table[data-table="range"] tbody tr`,
    (rows, d) => {
      const row = rows.find((r) => r.querySelector('td')?.textContent?.startsWith(d));
      return row ? [...row.querySelectorAll('td.num')].map((td) => td.textContent ?? '') : [];
    },
    day,
  );
}

/**
 * The bars of a uPlot bar chart as drawn on its canvas: for each run of columns holding the series'
 * colour (`colorVar`, a theme property), its width and its tallest height in canvas pixels, left to
 * right.
 */
async function drawnBars(
  page: Page,
  chart: string,
  colorVar: string,
): Promise<Array<{ left: number; width: number; height: number }>> {
  // Runs in the page (this package's TypeScript has no DOM types): the canvas's pixels, classified.
  return page.evaluate(`(() => {
    const canvas = document.querySelector('figure[data-chart="${chart}"] canvas');
    const hex = getComputedStyle(document.documentElement).getPropertyValue('${colorVar}').trim();
    const rgb = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
    const { width, height } = canvas;
    const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    const isBar = (x, y) => {
      const i = (y * width + x) * 4;
      return data[i + 3] > 120 &&
        Math.abs(data[i] - rgb[0]) + Math.abs(data[i + 1] - rgb[1]) + Math.abs(data[i + 2] - rgb[2]) < 60;
    };
    const bars = [];
    for (let x = 0; x < width; x++) {
      let n = 0;
      for (let y = 0; y < height; y++) if (isBar(x, y)) n++;
      if (n === 0) continue;
      const last = bars[bars.length - 1];
      if (last && last.left + last.width === x) {
        last.width++;
        last.height = Math.max(last.height, n);
      } else bars.push({ left: x, width: 1, height: n });
    }
    return bars;
  })()`);
}

describe('one rounding rule for every share', () => {
  it('the plant, the machine day and the range show the same share, as served', async () => {
    const plant = await open('#/plant');
    await shot(plant.page, 'honest-plant');
    // press-07's latest day is Friday: 6 h idle, running 06:00-21:54:42.172, nothing after.
    const friday = {
      running: '66.30 %',
      idle: '25.00 %',
      off: '0.00 %',
    };
    const plantFriday = await figures(plant.page, 'tr[data-machine="press-07"] .share-figures');
    expect(plantFriday).toMatchObject(friday);
    expect(plant.errors).toEqual([]);
    await plant.page.close();

    for (const [day, expected] of [
      ['2024-11-15', friday],
      ['2024-11-14', { running: '49.45 %', idle: '25.00 %', off: '25.55 %' }],
    ] as const) {
      const { page, errors } = await open(`#/day?machine=press-07&day=${day}`);
      const shown = await figures(page, '.view-day .share-figures');
      expect(shown, day).toMatchObject(expected);
      const [running, idle, off] = await tableValues(page, 'utilization');
      expect([running?.[1], idle?.[1], off?.[1]], day).toEqual(
        [expected.running, expected.idle, expected.off].map((t) => Number.parseFloat(t)),
      );
      expect(errors).toEqual([]);
      await page.close();
    }

    const { page, errors } = await open('#/range?machine=press-07&from=2024-11-11&to=2024-11-15');
    expect((await rangeRow(page, '2024-11-14')).slice(0, 3)).toEqual(['49.45', '25.00', '25.55']);
    expect((await rangeRow(page, '2024-11-15')).slice(0, 3)).toEqual(['66.30', '25.00', '0.00']);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('charts read true', () => {
  it('energy per day: bar heights in the ratio of the values, no bar cut at the edges', async () => {
    const days = ['2024-11-11', '2024-11-12', '2024-11-13', '2024-11-14', '2024-11-15'];
    const { page, errors } = await open(`#/range?machine=press-07&from=${days[0]}&to=${days.at(-1)}`);
    await shot(page, 'honest-range-energy');
    const served = (await tableValues(page, 'range')).map((r) => r[3] as number);
    days.forEach((d, i) => {
      expect(served[i]).toBeCloseTo(pressEnergy[d] as number, 6);
    });
    const bars = await drawnBars(page, 'daily-energy', '--energy');
    expect(bars).toHaveLength(days.length);
    const tallest = Math.max(...bars.map((b) => b.height));
    const largest = Math.max(...served);
    expect(tallest).toBeGreaterThan(80);
    bars.forEach((bar, i) => {
      // Zero-based: height / tallest = value / largest, within a pixel or two.
      expect(Math.abs(bar.height - (tallest * (served[i] as number)) / largest), days[i]).toBeLessThanOrEqual(
        2,
      );
    });
    const widths = bars.map((b) => b.width).sort((a, b) => a - b);
    const median = widths[Math.floor(widths.length / 2)] as number;
    expect(bars[0]!.width).toBeGreaterThanOrEqual(median - 2);
    expect(bars.at(-1)!.width).toBeGreaterThanOrEqual(median - 2);
    // The running share's axis is 0-100 %: Tuesday's 16 h of 24 is two thirds of the plot's height.
    const shares = await drawnBars(page, 'running-share', '--running');
    expect(shares).toHaveLength(days.length);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('legends are a key until hovered, not "--" placeholders', async () => {
    const { page, errors } = await open('#/day?machine=press-07&day=2024-11-14');
    const legends = await page.$$eval('.u-legend', (els) => els.map((e) => e.textContent ?? ''));
    expect(legends.length).toBeGreaterThanOrEqual(2);
    for (const text of legends) expect(text).not.toContain('--');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('partial only where the day can still grow', () => {
  it('a machine switched off on Friday: Friday is not partial, the rest of it reads as off', async () => {
    const { page, errors } = await open('#/day?machine=press-07&day=2024-11-15');
    await shot(page, 'honest-stopped-friday');
    expect(await page.getAttribute('.view-day', 'data-day-status')).toBe('stopped');
    expect(await page.getAttribute('.view-day', 'data-partial')).toBe('false');
    expect(await page.locator('.partial-mark').count()).toBe(0);
    expect(await page.textContent('.stop-mark')).toContain('21:54');
    expect(await page.textContent('[data-total="energy"]')).not.toContain('so far');
    expect(await page.getAttribute('.share-bar [data-share="unknown"]', 'class')).toContain(
      'share-off-after',
    );
    // The timeline continues off after 21:54:42, not "not yet known".
    const [, , off, unknown] = await tableValues(page, 'state-timeline');
    expect(unknown?.[0]).toBe(0);
    const afterStop = Date.parse('2024-11-15T23:00:00Z') - Date.parse('2024-11-15T20:54:42.172Z');
    expect(off?.[0]).toBeCloseTo(afterStop / 3_600_000, 6);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a machine running today: today is partial, with the time the data reaches', async () => {
    const { page, errors } = await open('#/day?machine=press-08&day=2024-11-18');
    expect(await page.getAttribute('.view-day', 'data-partial')).toBe('true');
    expect(await page.textContent('.partial-mark')).toContain('09:55');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an MTConnect machine whose data ends UNAVAILABLE: its last day is final', async () => {
    const { page, errors } = await open('#/day?machine=mazak01&day=2024-11-13');
    expect(await page.getAttribute('.view-day', 'data-day-status')).toBe('stopped');
    expect(await page.textContent('.stop-mark')).toContain('17:00');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the weekend after the stop reads as the weekend before: off all day', async () => {
    const read = async (day: string) => {
      const { page, errors } = await open(`#/day?machine=press-07&day=${day}`);
      const result = {
        notes: await page.$$eval('.note.empty', (els) => els.map((e) => e.textContent)),
        shares: await tableValues(page, 'utilization'),
        timeline: await tableValues(page, 'state-timeline'),
        figures: await figures(page, '.view-day .share-figures'),
      };
      expect(errors).toEqual([]);
      await page.close();
      return result;
    };
    const before = await read('2024-11-09');
    const after = await read('2024-11-16');
    expect(before.shares).toEqual([
      [0, 0],
      [0, 0],
      [24, 100],
    ]);
    expect(after.shares).toEqual(before.shares);
    expect(after.timeline).toEqual(before.timeline);
    expect(after.figures).toEqual(before.figures);
    // Not "no data": the day is there, as off as the one before.
    expect(after.notes.filter((n) => /^No (data|daily activity)/.test(n ?? ''))).toEqual([]);

    const { page } = await open('#/range?machine=press-07&from=2024-11-09&to=2024-11-17');
    const rows = await tableValues(page, 'range');
    const off = [0, 0, 100, null];
    expect(rows[0]).toEqual(off); // Sat 9th, aggregated after Monday's data came
    expect(rows[1]).toEqual(off);
    expect(rows[7]).toEqual(off); // Sat 16th, nothing logged since Friday's stop
    expect(rows[8]).toEqual(off);
    await page.close();
  });
});

describe('state messages', () => {
  it('a day before the first state reading: an off timeline, not "no state signal"', async () => {
    const { page, errors } = await open('#/day?machine=mazak01&day=2024-11-12');
    expect(await page.locator('[data-note="no-state-reading-yet"]').count()).toBe(1);
    expect(await page.locator('text=no state signal').count()).toBe(0);
    expect(
      await page.$$eval('svg.timeline rect', (rs) => rs.map((r) => r.getAttribute('data-state'))),
    ).toEqual(['off']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a machine on the gap method is told it has no state signal', async () => {
    const { page, errors } = await open('#/day?machine=gap-01&day=2024-11-14');
    expect(await page.textContent('.view-day')).toContain('This machine has no state signal');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('cosmetics', () => {
  it('plant at 1366 px: no figure wraps; zero alert counts are not red; a 24-hour clock', async () => {
    const { page, errors } = await open('#/plant');
    const wrapped = await page.$$eval('[data-figure]', (els) =>
      els.filter((e) => e.getClientRects().length > 1).map((e) => e.textContent),
    );
    expect(wrapped).toEqual([]);
    const redZeros = await page.$$eval('.badge[data-value="0"]', (els) =>
      els.filter((e) => /sev-(error|emergency)/.test(e.className)).map((e) => e.textContent),
    );
    expect(redZeros).toEqual([]);
    expect(await page.textContent('#updated')).toMatch(/^Updated \d{2}:\d{2}:\d{2}$/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('machine day: zero alert badges are plain, and energy says it is an estimate from motor load', async () => {
    const { page, errors } = await open('#/day?machine=mazak01&day=2024-11-13');
    const badges = await page.$$eval('.alerts .badge', (els) =>
      els.map((e) => [e.getAttribute('data-value'), e.className]),
    );
    expect(badges.length).toBe(4);
    for (const [value, className] of badges) {
      if (value === '0') expect(className).toBe('badge');
    }
    const source = await page.textContent('[data-note="energy-source"]');
    expect(source).toContain('Sload');
    expect(source).toContain('11 kW');
    expect(source).toMatch(/estimated/i);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('pipeline at 820 px: the newest day is in view, and a hint says the grid scrolls', async () => {
    const { page, errors } = await open('#/pipeline?machine=press-07&from=2024-10-30&to=2024-11-18', {
      width: 820,
      dark: true,
    });
    await page.waitForFunction("document.querySelector('.grid-wrap').scrollLeft > 0");
    await shot(page, 'honest-pipeline-820');
    const wrap = await page.locator('.grid-wrap').boundingBox();
    const newest = await page.locator('th.day[data-day="2024-11-18"]').boundingBox();
    expect(wrap && newest).toBeTruthy();
    expect(newest!.x + newest!.width).toBeLessThanOrEqual(wrap!.x + wrap!.width + 1);
    expect(newest!.x).toBeGreaterThanOrEqual(wrap!.x);
    expect(await page.isVisible('.scroll-hint')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
