import type { AggDatabase, RawDatabase } from '@mm/db';
import { etlIds } from '@mm/etl';
import { createRedis, etlQueueName } from '@mm/queue';
import { simulatePlant } from '@mm/raw';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testApp, testQueues } from '../testing/harness.ts';

// POST /admin/requeue over HTTP, against the test run's Redis (a queue prefix per test).

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
const dropped: Array<() => Promise<void>> = [];

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  // press-07 (logger profile, Europe/Madrid) logs from 2024-11-01 to 2024-11-05; mazak01 (mtconnect)
  // shares the database but none of its variables is there, so it has no data.
  await simulatePlant({
    db: raw.db,
    seed: 3,
    start: '2024-11-01',
    days: 5,
    timezone: 'Europe/Madrid',
    volume: 0.02,
  });
});
afterAll(async () => {
  for (const drop of dropped) await drop();
  await Promise.all([agg?.drop(), raw?.drop()]);
});

const admin = { user: 'ops', password: 'Kestrel-Quarry-41' };
const auth = { Authorization: `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}` };
const now = new Date('2024-11-05T12:00:00Z');

async function setup(redisUrl = inject('redisUrl')) {
  const queues = await testQueues(redisUrl, { awaitConnection: redisUrl === inject('redisUrl') });
  dropped.push(() => queues.drop());
  const { app, logs } = testApp({
    aggDb: agg.db,
    rawDb: raw.db,
    rawUrl: raw.url,
    config: { admin },
    deps: { queues, redis: queues, now: () => now },
  });
  const post = (body: unknown, headers: Record<string, string> = auth) =>
    app.request('/admin/requeue', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { app, logs, queues, post };
}

async function until(check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('POST /admin/requeue', () => {
  it('needs the admin credentials', async () => {
    const { post } = await setup();
    const res = await post({ machine: 'press-07', etl: 'all', from: '2024-11-01', to: '2024-11-01' }, {});
    expect(res.status).toBe(401);
  });

  it('queues every (ETL, day) of the range, and re-runs days whose jobs already completed', async () => {
    const { post, queues, logs } = await setup();
    const first = await post({ machine: 'press-07', etl: 'all', from: '2024-11-02', to: '2024-11-04' });
    expect(first.status).toBe(202);
    const body = (await first.json()) as {
      counts: Record<string, number>;
      etls: string[];
      jobs: Array<{ etl: string; day: string; job_id: string; outcome: string }>;
    };
    expect(body.etls).toEqual([...etlIds]);
    expect(body.counts).toEqual({ added: 15, requeued: 0, pending: 0, active: 0 });
    expect(body.jobs).toContainEqual({
      etl: 'energy',
      day: '2024-11-03',
      job_id: 'press-07__energy__2024-11-03',
      outcome: 'added',
    });
    // One queue for every ETL, each job named after its ETL, none with a priority (an operator's
    // re-queue goes ahead of the scheduler's backlog).
    expect(await queues.etl.queue.getJobCounts('wait', 'prioritized')).toEqual({ wait: 15, prioritized: 0 });
    const job = await queues.etl.queue.getJob('press-07__energy__2024-11-03');
    expect(job?.name).toBe('energy');
    expect(job?.data).toEqual({ machine: 'press-07', etl: 'energy', day: '2024-11-03' });
    expect(job?.opts.attempts).toBe(5);

    // A worker completes the jobs; BullMQ would now ignore a plain add of the same ids.
    const connection = createRedis(inject('redisUrl'), 'worker');
    const worker = new Worker(etlQueueName, async () => 'done', {
      connection,
      prefix: queues.prefix,
    });
    await until(async () => (await queues.etl.queue.getCompletedCount()) === 15);
    await worker.close();
    connection.disconnect();

    const again = await post({ machine: 'press-07', etl: 'energy', from: '2024-11-02', to: '2024-11-04' });
    expect(again.status).toBe(202);
    const second = (await again.json()) as typeof body;
    expect(second.counts).toEqual({ added: 0, requeued: 3, pending: 0, active: 0 });
    expect(second.jobs.map((j) => j.job_id)).toEqual([
      'press-07__energy__2024-11-02',
      'press-07__energy__2024-11-03',
      'press-07__energy__2024-11-04',
    ]);
    expect(await queues.etl.queue.getWaitingCount()).toBe(3);
    expect(await queues.etl.queue.getCompletedCount()).toBe(12);
    expect(logs.lines().filter((l) => l.msg === 'admin re-queued a range of days')).toHaveLength(2);
  });

  it('is documented in /openapi.json, with basic auth', async () => {
    const { app } = await setup();
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, { post?: { security?: unknown; responses: Record<string, unknown> } }>;
      components: { securitySchemes: Record<string, unknown> };
    };
    const operation = doc.paths['/admin/requeue']?.post;
    expect(operation?.security).toEqual([{ adminBasic: [] }]);
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual([
      '202',
      '401',
      '404',
      '413',
      '422',
      '429',
      '503',
    ]);
    expect(doc.components.securitySchemes.adminBasic).toEqual({ type: 'http', scheme: 'basic' });
    const page = await app.request('/docs');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/admin/requeue');
  });

  it('queues one ETL when named', async () => {
    const { post, queues } = await setup();
    const res = await post({ machine: 'press-07', etl: 'programs', from: '2024-11-05', to: '2024-11-05' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({
      machine: 'press-07',
      etls: ['programs'],
      counts: { added: 1 },
      jobs: [
        { etl: 'programs', day: '2024-11-05', job_id: 'press-07__programs__2024-11-05', outcome: 'added' },
      ],
    });
    expect((await queues.etl.queue.getWaiting()).map((j) => j.id)).toEqual([
      'press-07__programs__2024-11-05',
    ]);
  });

  it('queues only the days with raw data, counting the others, so no ledger row is made for days before any data', async () => {
    const { post, queues } = await setup();
    const res = await post({ machine: 'press-07', etl: 'energy', from: '2024-10-01', to: '2024-11-05' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as {
      data_days: unknown;
      skipped_days: number;
      jobs: Array<{ day: string }>;
    };
    expect(body.data_days).toEqual({ from: '2024-11-01', to: '2024-11-05' });
    expect(body.skipped_days).toBe(31);
    expect(body.jobs.map((j) => j.day)).toEqual([
      '2024-11-01',
      '2024-11-02',
      '2024-11-03',
      '2024-11-04',
      '2024-11-05',
    ]);

    const none = await post({ machine: 'mazak01', etl: 'all', from: '2024-11-01', to: '2024-11-05' });
    expect(none.status).toBe(202);
    expect(await none.json()).toMatchObject({
      data_days: null,
      skipped_days: 5,
      jobs: [],
      counts: { added: 0 },
    });
    expect(await queues.etl.queue.count()).toBe(5);
  });

  it('answers 404 for an unknown machine and 422 for a bad body, queueing nothing', async () => {
    const { app, post, queues } = await setup();
    const unknown = await post({ machine: 'press-99', etl: 'all', from: '2024-11-01', to: '2024-11-01' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ detail: "Unknown machine 'press-99'" });

    const cases: Array<[unknown, Array<{ loc: unknown[]; type: string }>]> = [
      [{}, ['machine', 'etl', 'from', 'to'].map((f) => ({ loc: ['body', f], type: 'missing' }))],
      [
        { machine: 'press-07', etl: 'everything', from: '2024-11-01', to: '2024-11-01' },
        [{ loc: ['body', 'etl'], type: 'enum' }],
      ],
      [
        { machine: 'press-07', etl: 'all', from: '2024-02-30', to: '01/11/2024' },
        [
          { loc: ['body', 'from'], type: 'date_from_datetime_inexact' },
          { loc: ['body', 'to'], type: 'date_parsing' },
        ],
      ],
      [
        { machine: 'press-07', etl: 'all', from: '0001-01-01', to: '1969-12-31' },
        [
          { loc: ['body', 'from'], type: 'value_error' },
          { loc: ['body', 'to'], type: 'value_error' },
        ],
      ],
      [
        { machine: 'press-07', etl: 'all', from: '2024-11-02', to: '2024-11-01' },
        [{ loc: ['body', 'to'], type: 'value_error' }],
      ],
      [
        { machine: 'press-07', etl: 'all', from: '2023-01-01', to: '2024-11-01' },
        [{ loc: ['body', 'to'], type: 'value_error' }],
      ],
      // Today is 2024-11-05 on this test's clock: tomorrow has no data to aggregate.
      [
        { machine: 'press-07', etl: 'all', from: '2024-11-05', to: '2024-11-06' },
        [{ loc: ['body', 'to'], type: 'value_error' }],
      ],
      [
        { machine: 'press-07', etl: 'all', from: '2024-11-01', to: '2024-11-01', force: false },
        [{ loc: ['body'], type: 'value_error' }],
      ],
      [
        { machine: 'x'.repeat(500), etl: 'all', from: '2024-11-01', to: '2024-11-01' },
        [{ loc: ['body', 'machine'], type: 'string_too_long' }],
      ],
    ];
    for (const [body, detail] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      const got = ((await res.json()) as { detail: Array<{ loc: unknown[]; type: string; msg: string }> })
        .detail;
      expect(got.map(({ loc, type }) => ({ loc, type }))).toEqual(detail);
      for (const d of got) expect(d.msg).not.toContain('x'.repeat(50));
    }
    // A body over 64 KB is refused before it is parsed, with or without a Content-Length.
    const huge = JSON.stringify({
      machine: 'press-07',
      etl: 'all',
      from: '2024-11-01',
      to: '2024-11-01',
      pad: 'x'.repeat(10 * 1024 * 1024),
    });
    const tooLarge = await post(huge);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ detail: 'Request body larger than 64 KB' });
    const streamed = await app.request('/admin/requeue', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...auth },
      body: new Blob([huge]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    const malformed = await post('{"machine": ');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ detail: 'Malformed JSON in request body' });
    expect(await queues.etl.queue.count()).toBe(0);
  });

  it('answers 503 at once when Redis is unreachable', async () => {
    const { post, logs } = await setup('redis://127.0.0.1:1');
    const started = Date.now();
    const res = await post({ machine: 'press-07', etl: 'all', from: '2024-11-01', to: '2024-11-01' });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ detail: 'Service unavailable: Redis is unreachable' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(logs.text()).not.toContain(admin.password);
  });
});
