import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { etlIds, runEtl } from '@mm/etl';
import { rawBuilder } from '@mm/raw';
import { createTestDatabase, freePort, TcpProxy, type TestDatabase } from '@mm/testing';
import { type KyselyPlugin, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, testApp } from '../testing/harness.ts';
import { AnswerCache } from './answer-cache.ts';
import { SliceChangeListener, type SliceChangeListenerOptions } from './slice-change-listener.ts';

// The answer cache over HTTP against real PostgreSQL: answers from memory with no query, dropped when
// another process re-runs a slice (seen by this process and by a second API process, main.ts, on the
// same database), never kept when the change commits while the answer is computed, bypassed while
// the LISTEN connection is lost (server-side, cut, or silently frozen), bounded by bytes.

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
const day = '2024-10-27';
const otherDay = '2024-10-26';
const repo = new URL('../../../../', import.meta.url).pathname;
const apiDir = join(repo, 'apps/api');
const etlLogger = captureLogs().logger;
let dir: string;
let machinesFile: string;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

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
  for (const d of [otherDay, day]) await rerun(d);
  dir = mkdtempSync(join(tmpdir(), 'mm-answer-cache-'));
  machinesFile = join(dir, 'machines.json');
  writeFileSync(
    machinesFile,
    JSON.stringify({
      machines: [
        {
          id: 'press-07',
          name: 'Press 07',
          rawDatabaseUrl: raw.url,
          timezone: 'Europe/Madrid',
          profile: 'logger',
        },
      ],
    }),
  );
}, 120_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
  await Promise.all([agg?.drop(), raw?.drop()]);
});

/** Re-runs ETLs of a day of press-07 in this process (another connection than any API's). */
async function rerun(d: string, etls: readonly string[] = etlIds) {
  const { config } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url });
  const machine = config.machines.find((m) => m.id === 'press-07')!;
  for (const etl of etls)
    await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl: etl as never, day: d, logger: etlLogger });
}

let extraReading = 0;
/** A new temperature reading on `day` in the raw database: the next sensor-stats run changes the answer. */
async function addReading() {
  extraReading++;
  await sql`
    insert into variable_log_float (id_var, date, value)
    select id, ${Date.parse('2024-10-27T01:20:00Z') + extraReading * 1000}, ${2400 + extraReading}
    from variable where name = 'TEMPERATURA_BASE'`.execute(raw.db);
}

/** Counts the queries an app sends to the aggregation database. */
function countingQueries() {
  const counter = { count: 0 };
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      counter.count++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { counter, plugin };
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An API of this process with an answer cache and its listener, served on a free port. */
async function cachedApi(
  options: {
    maxBytes?: number;
    maxEntryBytes?: number;
    listenUrl?: string;
    listener?: Partial<SliceChangeListenerOptions>;
    plugin?: KyselyPlugin;
  } = {},
) {
  const cache = new AnswerCache({
    maxBytes: options.maxBytes ?? 16 * 2 ** 20,
    ...(options.maxEntryBytes ? { maxEntryBytes: options.maxEntryBytes } : {}),
  });
  const logs = captureLogs();
  const applicationName = `mm-test-listener-${Math.random().toString(36).slice(2, 10)}`;
  const listener = new SliceChangeListener({
    url: options.listenUrl ?? agg.url,
    cache,
    logger: logs.logger,
    applicationName,
    ...options.listener,
  });
  listener.start();
  const aggDb = options.plugin ? agg.db.withPlugin(options.plugin) : agg.db;
  const { app } = testApp({
    aggDb,
    rawDb: raw.db,
    rawUrl: raw.url,
    deps: { answerCache: cache, migrationCheckTtlMs: 600_000 },
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    await new Promise((resolve) => server.close(resolve));
    await listener.close();
  };
  cleanups.push(close);
  await until('the cache is trusted', () => cache.trusted);
  const get = (path: string, etag?: string) =>
    fetch(`${base}${path}`, { headers: etag ? { 'If-None-Match': etag } : {} });
  return { cache, listener, logs, applicationName, base, get, close };
}

const temperature = `/api/v1/temperature?target_date=${day}&machine=press-07`;

describe('answers from memory', () => {
  it('answers a repeated request and a revalidation without a query, and computes nothing it does not cache', async () => {
    const { counter, plugin } = countingQueries();
    const api = await cachedApi({ plugin });
    await api.get('/api/v1/data_status'); // the migration check, cached for the rest of the test
    const first = await api.get(temperature);
    expect(first.status).toBe(200);
    const tag = first.headers.get('etag')!;
    const body = await first.text();
    const queries = counter.count;

    const again = await api.get(temperature);
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).toBe(tag);
    expect(again.headers.get('cache-control')).toBe('no-cache');
    expect(again.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await again.text()).toBe(body);
    // The same parameters in another order are the same request.
    expect(await (await api.get(`/api/v1/temperature?machine=press-07&target_date=${day}`)).text()).toBe(
      body,
    );
    const revalidated = await api.get(temperature, tag);
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('etag')).toBe(tag);
    expect(await revalidated.text()).toBe('');
    expect((await api.get(temperature, `W/${tag}`)).status).toBe(304);
    expect((await api.get(temperature, '"stale", "other"')).status).toBe(200);
    expect(counter.count - queries).toBe(0);
    expect(api.cache.stats()).toMatchObject({ hits: 5, entries: 2 });

    // Raw data and the ledger grid are never kept: each request reads.
    const stats = api.cache.stats();
    for (const path of [
      `/api/v1/machine_changes?start=${day}&end=${day}T03:00:00`,
      `/api/v2/runs?from=${day}&to=${day}`,
    ])
      for (let i = 0; i < 2; i++) expect((await api.get(path)).status, path).toBe(200);
    expect(api.cache.stats()).toMatchObject({
      hits: stats.hits,
      misses: stats.misses,
      entries: stats.entries,
    });
    // Neither are invalid requests.
    expect((await api.get('/api/v1/temperature?target_date=2024-02-30')).status).toBe(422);
    expect(api.cache.stats().entries).toBe(stats.entries);

    const metrics = await (await api.get('/metrics')).text();
    expect(metrics).toMatch(/mm_api_answer_cache_requests_total\{result="hit"\} 5/);
    expect(metrics).toMatch(/mm_api_answer_cache_trusted 1/);
    expect(metrics).toMatch(/mm_api_answer_cache_bytes [1-9]/);
  });

  it('keeps the tag of a 304 computed on a miss, and the body once it is asked for', async () => {
    const { counter, plugin } = countingQueries();
    const tagged = await (await fetch(`${(await cachedApi()).base}${temperature}`)).headers.get('etag');
    const api = await cachedApi({ plugin }); // another process's view: this one has kept nothing
    await api.get('/api/v1/data_status');
    const before = counter.count;
    expect((await api.get(temperature, tagged!)).status).toBe(304);
    expect(counter.count - before).toBe(1); // the ledger, not the temperatures
    expect((await api.get(temperature, tagged!)).status).toBe(304);
    expect(counter.count - before).toBe(1);
    const full = await api.get(temperature);
    expect(full.status).toBe(200);
    expect(full.headers.get('etag')).toBe(tagged);
    expect(counter.count - before).toBe(3);
    expect((await api.get(temperature)).status).toBe(200);
    expect(counter.count - before).toBe(3);
  });
});

describe('a slice replaced by another process', () => {
  it('drops the answers of this API and of a second API process (main.ts) on the same database', async () => {
    const local = await cachedApi();
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: apiDir,
      env: {
        PATH: process.env.PATH ?? '',
        AGG_DATABASE_URL: agg.url,
        MACHINES_FILE: machinesFile,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d) => {
      output += String(d);
    });
    child.stderr?.on('data', (d) => {
      output += String(d);
    });
    cleanups.push(async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    });
    await until('main.ts listens for slice changes', () => output.includes('answer cache on'), 60_000);
    const remote = `http://127.0.0.1:${port}`;
    const remoteMetric = async (pattern: RegExp) => {
      const text = await (await fetch(`${remote}/metrics`)).text();
      return Number(pattern.exec(text)?.[1] ?? Number.NaN);
    };
    const remoteHits = () => remoteMetric(/^mm_api_answer_cache_requests_total\{result="hit"\} (\d+)/m);
    const remoteNotifications = () => remoteMetric(/^mm_api_answer_cache_notifications_total (\d+)/m);

    // Each process tags with its own version (main.ts: the package's; this one: the test's).
    const read = async (base: string) => {
      const res = await fetch(`${base}${temperature}`);
      expect(res.status).toBe(200);
      return { tag: res.headers.get('etag')!, body: await res.text() };
    };
    const old = await read(local.base);
    const oldRemote = await read(remote);
    expect(oldRemote.body).toBe(old.body);
    expect(await read(local.base)).toEqual(old);
    expect(await read(remote)).toEqual(oldRemote);
    expect(await remoteHits()).toBe(1);
    expect(local.cache.stats().hits).toBe(1);

    // Another process (`pnpm etl run`'s CLI) re-runs the day over a new raw reading.
    await addReading();
    const notifiedLocal = local.cache.stats().notifications;
    const notifiedRemote = await remoteNotifications();
    const cli = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'packages/etl/src/cli/main.ts',
        'run',
        'sensor-stats',
        day,
        '--machine',
        'press-07',
      ],
      {
        cwd: repo,
        env: { PATH: process.env.PATH ?? '', AGG_DATABASE_URL: agg.url, MACHINES_FILE: machinesFile },
        stdio: 'ignore',
      },
    );
    const [code] = await once(cli, 'exit');
    expect(code).toBe(0);

    // Once each process has heard of the change, it never answers from before it.
    await until('this API is notified', () => local.cache.stats().notifications > notifiedLocal);
    await until('main.ts is notified', async () => (await remoteNotifications()) > notifiedRemote);
    const fresh = await read(local.base);
    expect(fresh.body).not.toBe(old.body);
    expect(fresh.tag).not.toBe(old.tag);
    const freshRemote = await read(remote);
    expect(freshRemote.body).toBe(fresh.body);
    expect(freshRemote.tag).not.toBe(oldRemote.tag);
    const revalidate = (tag: string) =>
      fetch(`${remote}${temperature}`, { headers: { 'If-None-Match': tag } });
    expect((await revalidate(oldRemote.tag)).status).toBe(200);
    expect((await revalidate(freshRemote.tag)).status).toBe(304);
    expect(
      await remoteMetric(/^mm_api_answer_cache_evictions_total\{reason="changed"\} (\d+)/m),
    ).toBeGreaterThan(0);
  }, 120_000);

  it('keeps nothing computed from the rows before a change that commits while the answer is computed', async () => {
    // Holds the temperature rows of one request between the query and the answer.
    let hold: { caught: () => void; release: Promise<void> } | null = null;
    const plugin: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: async (args) => {
        const row = args.result.rows[0] as Record<string, unknown> | undefined;
        if (hold && row && 'min_value' in row) {
          const held = hold;
          hold = null;
          held.caught();
          await held.release;
        }
        return args.result;
      },
    };
    const api = await cachedApi({ plugin });
    const path = `/api/v2/temperature?from=${otherDay}&to=${day}`;
    const before = await (await api.get(path)).text();

    await addReading();
    const heard = api.cache.stats().notifications;
    await rerun(day, ['energy']); // the range's ledger moves: the kept answer is dropped
    await until('the change is heard', () => api.cache.stats().notifications > heard);

    let release!: () => void;
    let caught!: () => void;
    const wasCaught = new Promise<void>((resolve) => {
      caught = resolve;
    });
    hold = { caught, release: new Promise<void>((resolve) => (release = resolve)) };
    const racing = api.get(path);
    await wasCaught; // read: the rows before the re-run below
    const notified = api.cache.stats().notifications;
    await rerun(day, ['sensor-stats']);
    await until('the change is heard', () => api.cache.stats().notifications > notified);
    release();
    const raced = await (await racing).text();
    expect(raced).toBe(before); // computed before the change: fine to answer, wrong to keep

    const after = await (await api.get(path)).text();
    expect(after).not.toBe(before);
    expect(JSON.parse(after)).toEqual(JSON.parse(await (await fetch(`${api.base}${path}&fresh=1`)).text()));
  });
});

describe('the LISTEN connection', () => {
  it('lost on the server side: the cache is flushed, and trusted again only once listening again', async () => {
    const api = await cachedApi();
    expect((await api.get(temperature)).status).toBe(200);
    expect(api.cache.stats().entries).toBe(1);
    const { rows } = await sql<{ n: number }>`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where datname = current_database() and application_name = ${api.applicationName}`.execute(agg.db);
    expect(rows[0]?.n).toBe(1);
    await until('the loss is noticed', () => api.logs.text().includes('answer cache off'));
    await until(
      'listening again',
      () => api.cache.trusted && api.logs.text().includes('answer cache on again'),
    );
    expect(api.cache.stats()).toMatchObject({ entries: 0, evictedUntrusted: 1 });
    expect((await api.get(temperature)).status).toBe(200);
    expect((await api.get(temperature)).status).toBe(200);
    expect(api.cache.stats()).toMatchObject({ entries: 1, hits: 1 });
  });

  it('cut or silently frozen: every request is computed until it listens again, and a change missed meanwhile is never hidden', async () => {
    const target = new URL(agg.url);
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    cleanups.push(() => proxy.close());
    const via = new URL(agg.url);
    via.port = String(proxy.port);
    const api = await cachedApi({
      listenUrl: via.toString(),
      listener: { heartbeatMs: 100, heartbeatTimeoutMs: 1000, reconnectMs: 50, maxReconnectMs: 200 },
    });
    const read = async () => {
      const res = await api.get(temperature);
      expect(res.status).toBe(200);
      return res.text();
    };

    for (const fault of ['cut', 'freeze'] as const) {
      const old = await read();
      expect(await read()).toBe(old);
      const { hits, bypasses } = api.cache.stats();
      if (fault === 'cut') proxy.cut();
      else proxy.freeze();
      await until(`the ${fault} is noticed`, () => !api.cache.trusted);
      expect(api.cache.stats().entries).toBe(0);

      // A change nobody hears about: answered from the database all the same, and not kept.
      await addReading();
      await rerun(day, ['sensor-stats']);
      const fresh = await read();
      expect(fresh).not.toBe(old);
      expect(await read()).toBe(fresh);
      expect(api.cache.stats()).toMatchObject({ hits, bypasses: bypasses + 2, entries: 0 });

      proxy.open();
      await until('listening again', () => api.cache.trusted);
      expect(await read()).toBe(fresh);
      expect(await read()).toBe(fresh);
      expect(api.cache.stats()).toMatchObject({ hits: hits + 1, entries: 1 });
    }
    expect(api.logs.text()).toContain('no answer to the heartbeat');
  });
});

describe('memory', () => {
  it('holds at most the byte cap, dropping the least recently used answers', async () => {
    const days = ['2024-10-25', '2024-10-26', '2024-10-27', '2024-10-28'];
    const path = (d: string) => `/api/v1/machine_util?target_date=${d}&machine=press-07`;
    await rerun('2024-10-25', ['machine-activity']);
    await rerun('2024-10-28', ['machine-activity']);
    const probe = await cachedApi();
    expect((await probe.get(path(days[0]!))).status).toBe(200);
    const perAnswer = probe.cache.stats().bytes;

    // Room for three answers (their sizes differ by a few bytes), not four.
    const cap = Math.floor(perAnswer * 3.5);
    const api = await cachedApi({ maxBytes: cap, maxEntryBytes: cap });
    for (const d of days.slice(0, 3)) expect((await api.get(path(d))).status).toBe(200);
    expect((await api.get(path(days[0]!))).status).toBe(200); // now the most recently used
    expect(api.cache.stats()).toMatchObject({ entries: 3, hits: 1, evictedForSize: 0 });
    expect((await api.get(path(days[3]!))).status).toBe(200);
    const stats = api.cache.stats();
    expect(stats).toMatchObject({ entries: 3, evictedForSize: 1 });
    expect(stats.bytes).toBeLessThanOrEqual(api.cache.maxBytes);

    // 2024-10-26 was the least recently used: computed again; the others come from memory.
    const misses = stats.misses;
    await api.get(path(days[1]!));
    expect(api.cache.stats().misses).toBe(misses + 1);
    for (const d of [days[3]!, days[1]!]) await api.get(path(d));
    expect(api.cache.stats()).toMatchObject({ misses: misses + 1, hits: stats.hits + 2 });
    const metrics = await (await api.get('/metrics')).text();
    expect(metrics).toMatch(/mm_api_answer_cache_evictions_total\{reason="size"\} [1-9]/);
    expect(metrics).toContain(`mm_api_answer_cache_max_bytes ${api.cache.maxBytes}`);
  });
});
