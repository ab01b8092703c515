import { join } from 'node:path';
import { createApp } from '@mm/api-core';
import { createLogger, type Machine, machinesFileSchema, resolveMachines } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { etlIds, runEtl } from '@mm/etl';
import { importShdr, NIST_MAZAK01_DIR, shdrFolder } from '@mm/raw';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFixture } from '../testing/browser-fixture.ts';
import { readV1Client, runIntervals, serveV1Client, type V1ClientServer } from './serve-v1-client.ts';

// The original dashboard (its stand-in, index.html) against the real API on the real NIST Mazak01
// logs, with mazak01 as the default machine: with `v1Compat` set it draws the day's temperature and a
// RUN/IDLE timeline equal to the machine's own data; without it (the API as before) it draws no
// temperature and a timeline that is wrong. What it should draw is computed here from the raw and
// aggregation tables, not from the API.

const fixture = browserFixture();
const { artifacts } = fixture;
const day = '2019-06-19';
// The stand-in's window, as the original sends it: the day up to 23:59:59 (UTC is mazak01's zone).
const windowStart = Date.parse(`${day}T00:00:00Z`);
const windowEnd = Date.parse(`${day}T23:59:59Z`);

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let client: V1ClientServer;
let browser: Browser;
const apis: Record<'compat' | 'plain', string> = { compat: '', plain: '' };

beforeAll(async () => {
  [agg, raw, client] = await Promise.all([
    createTestDatabase('agg'),
    createTestDatabase('raw'),
    serveV1Client(),
  ]);
  const nist = shdrFolder(NIST_MAZAK01_DIR);
  // The day, the days before it (each log opens with the agent's last known values) and after it
  // (so the day is complete).
  const files = nist.files.filter((f) => /Mazak01-201906(17|18|19|20)-/.test(f));
  expect(files).toHaveLength(4);
  await importShdr({ target: raw.db, files, ...(nist.devicesXml ? { devicesXml: nist.devicesXml } : {}) });

  const machinesFile = (v1Compat: boolean) =>
    resolveMachines(
      machinesFileSchema.parse({
        machines: [
          {
            id: 'mazak01',
            name: 'Mazak Integrex 100-IV',
            rawDatabaseUrl: raw.url,
            profile: 'mtconnect',
            signals: { motors: [{ variable: 'Sload', ratedKw: 11 }] },
            ...(v1Compat ? { v1Compat: true } : {}),
          },
          { id: 'press-07', name: 'Press 07', rawDatabaseUrl: raw.url, profile: 'logger' },
        ],
      }),
    );
  const logger = createLogger({ app: 'v1-client-test', level: 'silent' });
  for (const etl of etlIds) {
    await runEtl({
      aggDb: agg.db,
      rawDb: raw.db,
      machine: machinesFile(true)[0] as Machine,
      etl,
      day,
      logger,
    });
  }
  for (const kind of ['compat', 'plain'] as const) {
    const app = createApp({
      config: { machines: machinesFile(kind === 'compat'), corsOrigins: [client.origin], admin: null },
      aggDb: agg.db,
      rawDbFor: () => raw.db,
      logger,
    });
    apis[kind] = await fixture.serve(app);
  }
  browser = await fixture.launchBrowser();
}, 180_000);

afterAll(async () => {
  await fixture.close();
  await client?.close();
  await Promise.all([agg?.drop(), raw?.drop()]);
});

/** mazak01's running intervals in the window, from its raw `execution` readings (ACTIVE runs). */
async function runningFromRaw(): Promise<Array<[number, number]>> {
  const rows = await raw.db
    .selectFrom('variable_log_string as l')
    .innerJoin('variable as v', 'v.id', 'l.id_var')
    .select(['l.date', 'l.value'])
    .where('v.name', '=', 'execution')
    .where('l.date', '<=', windowEnd)
    .orderBy('l.date')
    .execute();
  const intervals: Array<[number, number]> = [];
  rows.forEach((r, i) => {
    const from = Math.max(Number(r.date), windowStart);
    const to = Math.min(Number(rows[i + 1]?.date ?? windowEnd), windowEnd);
    if (r.value?.trim() !== 'ACTIVE' || to <= from) return;
    const last = intervals.at(-1);
    if (last && last[1] === from) last[1] = to;
    else intervals.push([from, to]);
  });
  return intervals;
}

/** mazak01's hourly Stemp averages of the day, from the aggregation table. */
async function temperatureFromAgg() {
  const rows = await agg.db
    .selectFrom('agg_sensor_stats')
    .select(['hour_ts', 'avg_value'])
    .where('machine_id', '=', 'mazak01')
    .where('sensor_name', '=', 'Stemp')
    .where('day', '=', day)
    .orderBy('hour_ts')
    .execute();
  return rows.map((r) => ({
    dt: new Date(r.hour_ts).toISOString().replace('T', ' ').slice(0, 19),
    value: Number(r.avg_value),
  }));
}

describe('the original dashboard (stand-in) on an MTConnect machine', () => {
  it('with v1Compat: draws the day’s temperature and RUN exactly when the machine ran', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 520 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const drawing = await readV1Client(page, client.origin, apis.compat, day);
    await page.screenshot({ path: join(artifacts, 'v1-client-mazak01.png'), fullPage: true });
    expect(drawing.errors).toBe('');
    expect(errors).toEqual([]);

    const temperature = await temperatureFromAgg();
    expect(temperature.length).toBeGreaterThan(0);
    expect(drawing.temperature).toHaveLength(temperature.length);
    drawing.temperature.forEach((point, i) => {
      expect(point.dt).toBe(temperature[i]?.dt);
      expect(point.value).toBeCloseTo(temperature[i]?.value as number, 9);
    });

    const running = await runningFromRaw();
    expect(running.length).toBeGreaterThan(5);
    expect(runIntervals(drawing.spans)).toEqual(running);
    // No guessed stretch: the first span starts with the window, in the state the machine was in.
    expect(drawing.spans[0]?.from).toBe(windowStart);
    await page.close();
  });

  it('without it (the API as before): no temperature, and a timeline that does not match', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 520 } });
    const drawing = await readV1Client(page, client.origin, apis.plain, day);
    await page.screenshot({
      path: join(artifacts, 'v1-client-mazak01-without-v1compat.png'),
      fullPage: true,
    });
    expect(drawing.errors).toContain('temperature: /api/v1/temperature: HTTP 404');
    expect(drawing.temperature).toEqual([]);
    expect(runIntervals(drawing.spans)).not.toEqual(await runningFromRaw());
    await page.close();
  });
});
