import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { httpMetrics } from './index.ts';

describe('httpMetrics', () => {
  it('labels by route pattern, not the raw path, and unmatched requests as (unmatched)', async () => {
    const samples: Array<{ method: string; route: string; status: number; seconds: number }> = [];
    const app = new Hono();
    app.use('*', httpMetrics({ observe: (s) => samples.push(s) }));
    const sub = new Hono();
    sub.get('/machines/:id', (c) => c.json({ id: c.req.param('id') }));
    app.route('/api', sub);
    app.get('/fail', (c) => c.json({ detail: 'nope' }, 418));
    await app.request('/api/machines/press-07');
    await app.request('/api/machines/mazak01');
    await app.request('/fail');
    await app.request('/random/path/123');
    expect(samples.map(({ route, status }) => [route, status])).toEqual([
      ['/api/machines/:id', 200],
      ['/api/machines/:id', 200],
      ['/fail', 418],
      ['(unmatched)', 404],
    ]);
    expect(samples.every((s) => s.seconds >= 0 && s.method === 'GET')).toBe(true);
  });
});
