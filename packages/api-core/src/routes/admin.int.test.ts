import type { AggDatabase, RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../testing/harness.ts';

// The admin surface over HTTP, through the whole app: basic auth, failed logins, throttling.

let agg: TestDatabase<AggDatabase>;
let raw: TestDatabase<RawDatabase>;

beforeAll(async () => {
  [agg, raw] = await Promise.all([createTestDatabase('agg'), createTestDatabase('raw')]);
});
afterAll(async () => {
  await Promise.all([agg?.drop(), raw?.drop()]);
});

const admin = { user: 'ops', password: 'Kestrel-Quarry-41' };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
/** The env @hono/node-server gives a request from `address`. */
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

describe('admin logins', () => {
  it('answer a wrong password with a JSON 401 that keeps the Basic challenge, and log it at warn', async () => {
    const { app, logs } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url, config: { admin } });
    const res = await app.request(
      '/admin/queues',
      { headers: { Authorization: basic('ops', 'Guess-Number-1') } },
      from('203.0.113.9'),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Basic realm="machine-monitoring admin", charset="UTF-8"',
    );
    expect(await res.json()).toEqual({ detail: 'Unauthorized: wrong admin user or password' });
    const line = logs.lines().find((l) => l.msg === 'admin login failed');
    expect(line).toMatchObject({ level: 40, client: '203.0.113.9', path: '/admin/queues' });
    expect(line?.reqId).toBeTypeOf('string');
    expect(logs.text()).not.toContain('Guess-Number-1');
  });

  it('GET /admin/session checks credentials; a page saying X-Requested-With gets no challenge', async () => {
    const { app } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url, config: { admin } });
    const ok = await app.request(
      '/admin/session',
      { headers: { Authorization: basic('ops', admin.password), 'X-Requested-With': 'fetch' } },
      from('203.0.113.10'),
    );
    expect([ok.status, await ok.json()]).toEqual([200, { user: 'ops', queues: false }]);
    const wrong = await app.request(
      '/admin/session',
      { headers: { Authorization: basic('ops', 'Guess-Number-2'), 'X-Requested-With': 'fetch' } },
      from('203.0.113.10'),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBeNull();
    // curl and a browser tab (no X-Requested-With) still get the Basic challenge.
    const curl = await app.request('/admin/session', {}, from('203.0.113.11'));
    expect(curl.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('throttle an address after 5 failures: 429 with Retry-After, other addresses unaffected', async () => {
    const { app, logs } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url, config: { admin } });
    const attempt = (address: string, password: string) =>
      app.request('/admin', { headers: { Authorization: basic('ops', password) } }, from(address));
    for (let i = 0; i < 5; i++) expect((await attempt('198.51.100.4', `guess-${i}-xyz`)).status).toBe(401);
    for (let i = 0; i < 20; i++) {
      const res = await attempt('198.51.100.4', i === 19 ? admin.password : `guess-${i}-more`);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(800);
      expect(((await res.json()) as { detail: string }).detail).toContain('Too many failed admin logins');
    }
    expect((await attempt('198.51.100.5', admin.password)).status).toBe(404); // in, and nothing at /admin
    expect(logs.lines().filter((l) => l.msg === 'admin login failed')).toHaveLength(5);
  });

  it('without configured credentials, the prefix is closed and the log says so once', async () => {
    const { app, logs } = testApp({ aggDb: agg.db, rawDb: raw.db, rawUrl: raw.url });
    const res = await app.request('/admin/queues');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toContain('ADMIN_USER');
    expect(
      logs
        .lines()
        .filter(
          (l) => l.level === 40 && String(l.msg).includes('is disabled: set ADMIN_USER and ADMIN_PASSWORD'),
        ),
    ).toHaveLength(1);
  });
});
