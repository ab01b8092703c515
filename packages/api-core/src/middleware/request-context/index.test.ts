import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../app-env.ts';
import { captureLogs } from '../../testing/harness.ts';
import { requestContext } from './index.ts';

function app() {
  const logs = captureLogs();
  const a = new Hono<AppEnv>();
  a.use('*', requestContext({ logger: logs.logger }));
  a.get('/x', (c) => {
    c.get('logger').info({ inside: true }, 'handler ran');
    return c.json({ id: c.get('requestId') });
  });
  a.get('/boom', () => {
    throw new Error('kaput');
  });
  a.onError((_e, c) => c.json({ detail: 'Internal Server Error' }, 500));
  return { a, logs };
}

describe('requestContext', () => {
  it('propagates a sane X-Request-Id to the handler, the response and every log line', async () => {
    const { a, logs } = app();
    const res = await a.request('/x?q=1', { headers: { 'X-Request-Id': 'abc-123' } });
    expect(await res.json()).toEqual({ id: 'abc-123' });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    const lines = logs.lines();
    expect(lines.map((l) => [l.reqId, l.msg])).toEqual([
      ['abc-123', 'handler ran'],
      ['abc-123', 'request completed'],
    ]);
    expect(lines[1]).toMatchObject({ method: 'GET', url: '/x?q=1', status: 200 });
  });

  it('generates an id when the header is missing or unsafe', async () => {
    const { a } = app();
    const ids = new Set<string>();
    const variants: Array<Record<string, string>> = [
      {},
      { 'X-Request-Id': 'a b' },
      { 'X-Request-Id': '<script>' },
    ];
    for (const h of variants) {
      const res = await a.request('/x', { headers: h });
      const id = res.headers.get('x-request-id') ?? '';
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
      ids.add(id);
    }
    expect(ids.size).toBe(3);
  });

  it('logs errors at error level with the status the error handler chose', async () => {
    const { a, logs } = app();
    const res = await a.request('/boom');
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(logs.lines().at(-1)).toMatchObject({ level: 50, status: 500 });
  });

  it('truncates very long URLs in the log', async () => {
    const { a, logs } = app();
    await a.request(`/x?q=${'y'.repeat(5000)}`);
    const url = logs.lines().at(-1)!.url as string;
    expect(url.length).toBeLessThanOrEqual(513);
  });
});
