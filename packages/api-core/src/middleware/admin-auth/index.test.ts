import { Writable } from 'node:stream';
import { createLogger } from '@mm/config';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../app-env.ts';
import { adminAuth, clientAddress, createLoginThrottle } from './index.ts';
import { throttleKey } from './login-throttle.ts';

const password = 'Kestrel-Quarry-41';
const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
/** What @hono/node-server passes as the env of a request from `address`. */
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

function setup(clock = { t: 1_000_000 }) {
  const chunks: string[] = [];
  const logger = createLogger({
    app: 'test',
    destination: new Writable({
      write(chunk, _encoding, callback) {
        chunks.push(String(chunk));
        callback();
      },
    }),
  });
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('logger', logger);
    await next();
  });
  const throttle = createLoginThrottle({ maxFailures: 3, windowMs: 60_000, now: () => clock.t });
  app.use('/admin/*', adminAuth({ user: 'ops', password, throttle }));
  app.get('/admin/x', (c) => c.json({ ok: true }));
  const logs = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const get = (address: string, authorization?: string) =>
    app.request(
      '/admin/x',
      { headers: authorization ? { Authorization: authorization } : {} },
      from(address),
    );
  return { app, logs, get, clock, throttle, text: () => chunks.join('') };
}

describe('adminAuth', () => {
  it('answers 401 as JSON with a Basic challenge, with and without wrong credentials', async () => {
    const { get } = setup();
    for (const res of [await get('203.0.113.7'), await get('203.0.113.7', basic('ops', 'nope'))]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="admin", charset="UTF-8"');
      expect(((await res.json()) as { detail: string }).detail).toMatch(/^Unauthorized/);
    }
    expect((await get('203.0.113.7', basic('ops', password))).status).toBe(200);
  });

  it('leaves the challenge out for a script that says so with X-Requested-With, still a 401 and a failed login', async () => {
    const { app, logs } = setup();
    const res = await app.request(
      '/admin/x',
      { headers: { Authorization: basic('ops', 'nope'), 'X-Requested-With': 'fetch' } },
      from('203.0.113.7'),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(((await res.json()) as { detail: string }).detail).toBe(
      'Unauthorized: wrong admin user or password',
    );
    expect(logs().filter((l) => l.msg === 'admin login failed')).toHaveLength(1);
    const none = await app.request(
      '/admin/x',
      { headers: { 'X-Requested-With': 'fetch' } },
      from('203.0.113.7'),
    );
    expect([none.status, none.headers.get('www-authenticate')]).toEqual([401, null]);
  });

  it('logs a failed login at warn with the client address, never what was typed', async () => {
    const { get, logs, text } = setup();
    await get('203.0.113.7', basic('ops', 'Hunter2-guess'));
    await get('203.0.113.8'); // no credentials yet: a browser's first request, not a failed login
    const failed = logs().filter((l) => l.msg === 'admin login failed');
    expect(failed).toEqual([expect.objectContaining({ level: 40, client: '203.0.113.7', path: '/admin/x' })]);
    expect(text()).not.toContain('Hunter2-guess');
    expect(text()).not.toContain(Buffer.from('ops:Hunter2-guess').toString('base64'));
  });

  it('blocks an address after too many failures with 429 and Retry-After, even with the right password', async () => {
    const { get, clock, logs } = setup();
    for (let i = 0; i < 3; i++)
      expect((await get('203.0.113.7', basic('ops', `guess-${i}`))).status).toBe(401);
    for (const authorization of [basic('ops', 'guess-4'), basic('ops', password)]) {
      const res = await get('203.0.113.7', authorization);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('60');
      expect(await res.json()).toEqual({
        detail: 'Too many failed admin logins from this address: try again later',
      });
    }
    // One warning when the block starts, none per refused attempt (no log flood).
    expect(logs().filter((l) => l.msg === 'admin login failed')).toHaveLength(3);
    expect(logs().filter((l) => l.msg === 'admin logins throttled for this address')).toHaveLength(1);
    // Another address is not affected.
    expect((await get('198.51.100.1', basic('ops', password))).status).toBe(200);
    clock.t += 30_000;
    expect((await get('203.0.113.7', basic('ops', password))).headers.get('retry-after')).toBe('30');
    clock.t += 30_000;
    expect((await get('203.0.113.7', basic('ops', password))).status).toBe(200);
  });

  it('counts failures within the window only, and forgets them after a success', async () => {
    const { get, clock } = setup();
    await get('203.0.113.7', basic('ops', 'a'));
    await get('203.0.113.7', basic('ops', 'b'));
    clock.t += 60_000; // the window has passed
    await get('203.0.113.7', basic('ops', 'c'));
    await get('203.0.113.7', basic('ops', 'd'));
    expect((await get('203.0.113.7', basic('ops', password))).status).toBe(200);
    await get('203.0.113.7', basic('ops', 'e'));
    await get('203.0.113.7', basic('ops', 'f'));
    expect((await get('203.0.113.7', basic('ops', password))).status).toBe(200);
  });

  it('treats one IPv6 /64 as one client', async () => {
    const { get } = setup();
    for (const host of ['1', '2', '3']) await get(`2001:db8:1:2::${host}`, basic('ops', 'x'));
    expect((await get('2001:db8:1:2:ffff::9', basic('ops', password))).status).toBe(429);
    expect((await get('2001:db8:1:3::1', basic('ops', password))).status).toBe(200);
  });
});

describe('createLoginThrottle', () => {
  it('remembers a bounded number of addresses, forgetting the least recently seen', () => {
    const throttle = createLoginThrottle({ maxFailures: 2, maxTracked: 100, now: () => 0 });
    throttle.fail('victim');
    for (let i = 0; i < 1000; i++) throttle.fail(`10.0.${i >> 8}.${i & 255}`);
    expect(throttle.size).toBe(100);
    throttle.fail('victim'); // its first failure was forgotten: not blocked yet
    expect(throttle.retryAfterSeconds('victim')).toBe(0);
  });
});

describe('throttleKey and clientAddress', () => {
  it('keys IPv4 (also mapped) by address and IPv6 by /64', () => {
    expect(throttleKey('203.0.113.7')).toBe('203.0.113.7');
    expect(throttleKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(throttleKey('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleKey('::1')).toBe('0:0:0:0::/64');
  });

  it('reads the socket of @hono/node-server, or says unknown', async () => {
    const app = new Hono();
    app.get('/', (c) => c.text(clientAddress(c)));
    expect(await (await app.request('/', {}, from('192.0.2.1'))).text()).toBe('192.0.2.1');
    expect(await (await app.request('/')).text()).toBe('unknown');
  });
});
