import type { AggDatabase, RawDatabase } from '@mm/db';
import { enqueue } from '@mm/queue';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testApp, testQueues } from '../testing/harness.ts';

// Bull Board at /admin/queues over HTTP: behind the admin auth, served offline, the one ETL queue.

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;
let queues: Awaited<ReturnType<typeof testQueues>>;

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
  queues = await testQueues(inject('redisUrl'));
});
afterAll(async () => {
  await queues?.drop();
  await Promise.all([agg?.drop(), raw?.drop()]);
});

const admin = { user: 'ops', password: 'Kestrel-Quarry-41' };
const auth = { Authorization: `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}` };
const app = () =>
  testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url, config: { admin }, deps: { queues } }).app;

describe('Bull Board at /admin/queues', () => {
  it('answers 401 without credentials, on the page, its assets and its API', async () => {
    for (const path of [
      '/admin/queues',
      '/admin/queues/queue/etl',
      '/admin/queues/api/queues',
      '/admin/queues/static/images/logo.svg',
    ]) {
      const res = await app().request(path);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate'), path).toContain('Basic');
    }
    const retry = await app().request('/admin/queues/api/queues/etl/retry/failed', { method: 'PUT' });
    expect(retry.status).toBe(401);
  });

  it('serves its page and assets from the package, referencing no other host', async () => {
    const res = await app().request('/admin/queues', { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('<base href="/admin/queues/"');
    expect(html).toContain('Machine monitoring queues');
    // No absolute or protocol-relative URL in any src or href: everything comes from this server.
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1] ?? '');
    expect(refs.length).toBeGreaterThan(3);
    for (const ref of refs) expect(ref, ref).not.toMatch(/^([a-z][a-z0-9+.-]*:)?\/\//i);
    expect(html).not.toMatch(/https?:\/\//);

    const scripts = refs.filter((r) => r.endsWith('.js'));
    const styles = refs.filter((r) => r.endsWith('.css'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const asset of [...scripts, ...styles]) {
      const file = await app().request(`/admin/queues/${asset}`, { headers: auth });
      expect(file.status, asset).toBe(200);
      expect((await file.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
    // Client-side routes of the board load the same page.
    expect((await app().request('/admin/queues/queue/etl', { headers: auth })).status).toBe(200);
    const slash = await app().request('/admin/queues/', { headers: auth });
    expect(slash.status).toBe(302);
    expect(slash.headers.get('location')).toBe('/admin/queues');
  });

  it('lists the ETL queue through its own JSON API, with its counts and each job named after its ETL', async () => {
    await enqueue(queues.etl, [
      { machine: 'press-07', etl: 'energy', day: '2024-11-01' },
      { machine: 'press-07', etl: 'energy', day: '2024-11-02' },
    ]);
    const res = await app().request('/admin/queues/api/queues?activeQueue=etl&status=waiting&page=1', {
      headers: auth,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      queues: Array<{
        name: string;
        counts: Record<string, number>;
        jobs: Array<{ id: string; name: string }>;
      }>;
    };
    expect(body.queues.map((q) => q.name)).toEqual(['etl']);
    const etl = body.queues[0];
    expect(etl?.counts.waiting).toBe(2);
    expect(etl?.jobs.map((j) => j.name)).toEqual(['energy', 'energy']);
    expect(etl?.jobs.map((j) => j.id).sort()).toEqual([
      'press-07__energy__2024-11-01',
      'press-07__energy__2024-11-02',
    ]);
  });

  it('answers 409 to an action that does not apply to the job, logged as a warning without a stack', async () => {
    await enqueue(queues.etl, [{ machine: 'press-07', etl: 'energy', day: '2024-11-03' }]);
    const { app: board, logs } = testApp({
      aggDb: agg.db,
      rawDb: raw.db,
      rawUrl: raw.url,
      config: { admin },
      deps: { queues },
    });
    // A waiting job is not delayed: there is nothing to promote.
    const promote = await board.request('/admin/queues/api/queues/etl/press-07__energy__2024-11-03/promote', {
      method: 'PUT',
      headers: auth,
    });
    expect(promote.status).toBe(409);
    expect(await promote.json()).toEqual({
      error: { key: 'ERRORS.JOB_NOT_IN_STATE' },
      message: 'The action does not apply to the job in its current state',
    });
    expect((await queues.etl.queue.getJob('press-07__energy__2024-11-03'))?.id).toBeDefined();
    const lines = logs.lines();
    expect(lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
    const warning = lines.find((l) => l.msg === 'Bull Board action does not apply to the job');
    expect(warning?.reason).toMatch(/is not in the delayed state/);
    expect(JSON.stringify(lines)).not.toContain('    at ');
  });
});
