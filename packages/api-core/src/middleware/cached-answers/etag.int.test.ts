import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { etlIds, runEtl } from '@mm/etl';
import { rawBuilder } from '@mm/raw';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerCache } from '../../answer-cache/answer-cache.ts';
import { SliceChangeListener } from '../../answer-cache/slice-change-listener.ts';
import { captureLogs, testApp } from '../../testing/harness.ts';

// Conditional GETs over a real HTTP server, on aggregates written by the real ETLs: 304 while the
// ledger of the machine's requested days is unchanged, 200 with a new tag once a slice is re-run.
// The same rules hold whether the tags are read from the ledger on each request (no cache) or kept
// in memory with the answers (a cache following slice changes).

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let machines: ReturnType<typeof testApp>['config']['machines'];
const day = '2024-10-27';
const otherDay = '2024-10-26';
const logger = captureLogs().logger;
const servers: Array<ReturnType<typeof serve>> = [];
const listeners: SliceChangeListener[] = [];

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  const builder = rawBuilder(raw.db);
  const press = builder.logger();
  press.state.at('2024-10-25T22:00:00Z', 255).at('2024-10-27T07:00:00Z', 0);
  press.temperature
    .at('2024-10-26T08:00:00Z', 2100)
    .at('2024-10-27T00:10:00Z', 2150)
    .at('2024-10-27T01:15:00Z', 2300)
    .at('2024-10-28T01:00:00Z', 2000);
  press.spindle.at('2024-10-25T22:00:00Z', 50);
  await builder.write();
  machines = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url }).config.machines;
  for (const d of [otherDay, day]) await rerun(d);
}, 120_000);

afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  for (const listener of listeners) await listener.close();
  await Promise.all([agg?.drop(), raw?.drop()]);
});

/** The app on a real server, with or without an answer cache following slice changes. */
async function start(withCache: boolean) {
  const cache = withCache ? new AnswerCache({ maxBytes: 2 ** 20 }) : null;
  if (cache) {
    const listener = new SliceChangeListener({ url: agg.url, cache, logger });
    listeners.push(listener);
    listener.start();
    const deadline = Date.now() + 15_000;
    while (!cache.trusted) {
      if (Date.now() > deadline) throw new Error('the answer cache did not start listening');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const { app } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url, deps: { answerCache: cache } });
  return new Promise<{ base: string; cache: AnswerCache | null }>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({ base: `http://127.0.0.1:${info.port}`, cache });
    });
    servers.push(server);
  });
}

let base: string;
let cache: AnswerCache | null;

/** Re-runs ETLs of a day; with a cache, returns once it has heard of the change (its notification arrived). */
async function rerun(d: string, etls: readonly string[] = etlIds) {
  const heard = cache?.stats().notifications ?? 0;
  const machine = machines.find((m) => m.id === 'press-07')!;
  for (const etl of etls)
    await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl: etl as never, day: d, logger });
  const deadline = Date.now() + 15_000;
  while (cache && cache.stats().notifications === heard) {
    if (Date.now() > deadline) throw new Error('the change was not heard');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const get = (path: string, etag?: string) =>
  fetch(`${base}${path}`, { headers: etag ? { 'If-None-Match': etag } : {} });

describe.each([
  { mode: 'read from the ledger on each request', withCache: false },
  { mode: 'kept in memory with the answers', withCache: true },
])('ledger ETag, $mode', ({ withCache }) => {
  beforeAll(async () => {
    ({ base, cache } = await start(withCache));
  });

  it('answers 304 until a slice of that day is re-run, then 200 with a new tag', async () => {
    const path = `/api/v1/temperature?target_date=${day}&machine=press-07`;
    const first = await get(path);
    expect(first.status).toBe(200);
    const tag = first.headers.get('etag')!;
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const body = await first.json();

    const again = await get(path, tag);
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(tag);
    expect(await again.text()).toBe('');
    expect((await get(path, `W/${tag}`)).status).toBe(304);
    expect((await get(path, `"other", ${tag}`)).status).toBe(304);
    // With a cache, those came from memory.
    if (cache) expect(cache.stats().hits).toBe(3);

    // Another day's re-run leaves this day's answer valid.
    await rerun(otherDay, ['sensor-stats']);
    expect((await get(path, tag)).status).toBe(304);

    await rerun(day, ['energy']);
    const after = await get(path, tag);
    expect(after.status).toBe(200);
    const newTag = after.headers.get('etag')!;
    expect(newTag).not.toBe(tag);
    expect(await after.json()).toEqual(body);
    expect((await get(path, newTag)).status).toBe(304);
  });

  it('tags each URL apart, ranges by their days, and data_status by all days', async () => {
    const a = await get(`/api/v2/energy_consumption?from=${day}&to=${day}`);
    const b = await get(`/api/v2/machine_util?from=${day}&to=${day}`);
    expect(a.headers.get('etag')).not.toBe(b.headers.get('etag'));
    const range = `/api/v2/machine_util?from=${otherDay}&to=${day}`;
    const status = '/api/v1/data_status';
    const [rangeTag, statusTag] = await Promise.all(
      [range, status].map(async (p) => (await get(p)).headers.get('etag')!),
    );
    expect((await get(range, rangeTag)).status).toBe(304);
    expect((await get(status, statusTag)).status).toBe(304);
    await rerun(otherDay, ['programs']);
    expect((await get(range, rangeTag)).status).toBe(200);
    expect((await get(status, statusTag)).status).toBe(200);
    expect(
      (await get(`/api/v2/energy_consumption?from=${day}&to=${day}`, a.headers.get('etag')!)).status,
    ).toBe(304);
  });

  it('leaves bad requests, raw data and the run grid untagged', async () => {
    for (const path of [
      '/api/v1/temperature?target_date=2024-02-30',
      '/api/v1/temperature?target_date=0000-01-01',
      '/api/v1/temperature?target_date=1969-12-31',
      '/api/v1/temperature?target_date=2024-10-27&target_date=2024-10-28',
      '/api/v1/temperature?target_date=2024-10-27&machine=nope',
      `/api/v1/machine_changes?start=${day}&end=${day}T03:00:00`,
      `/api/v2/runs?from=${day}&to=${day}`,
    ]) {
      const res = await get(path, '*');
      expect(res.status, path).not.toBe(304);
      expect(res.headers.get('etag'), path).toBeNull();
    }
  });
});
