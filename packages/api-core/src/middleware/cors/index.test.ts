import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { cors } from './index.ts';

function app(origins: string[]) {
  const a = new Hono();
  a.use('*', cors({ origins }));
  a.get('/x', (c) => c.json({ ok: true }));
  return a;
}

const preflight = (origin: string | null) =>
  new Request('http://api/x', {
    method: 'OPTIONS',
    headers: {
      ...(origin ? { Origin: origin } : {}),
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'content-type, x-request-id',
    },
  });

describe('cors', () => {
  it('answers an allowed origin’s preflight with the requested headers', async () => {
    const res = await app(['http://localhost:3000', 'https://dash.plant']).request(
      preflight('https://dash.plant'),
    );
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://dash.plant');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type, x-request-id');
    expect(res.headers.get('access-control-max-age')).toBe('600');
  });

  it('refuses other origins and origin-less preflights', async () => {
    for (const origin of ['http://localhost:3001', 'http://localhost:3000.evil', null]) {
      const res = await app(['http://localhost:3000']).request(preflight(origin));
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('allows any origin with *, without credentials', async () => {
    const res = await app(['*']).request(preflight('http://anything:1234'));
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('marks simple requests of allowed origins only, and varies on Origin', async () => {
    const a = app(['http://localhost:3000']);
    const ok = await a.request('/x', { headers: { Origin: 'http://localhost:3000' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(ok.headers.get('access-control-expose-headers')).toBe('X-Request-Id');
    expect(ok.headers.get('vary')).toContain('Origin');
    const other = await a.request('/x', { headers: { Origin: 'http://elsewhere' } });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets a plain OPTIONS (not a preflight) through to routing', async () => {
    const res = await app(['http://localhost:3000']).request('/x', { method: 'OPTIONS' });
    expect(res.status).toBe(404);
  });
});
