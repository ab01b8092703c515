import type { MigrationState } from '@mm/db';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../errors.ts';
import { requireMigrated } from './index.ts';

function app(check: () => Promise<MigrationState>, clock: { t: number }) {
  const a = new Hono();
  a.use('/api/*', requireMigrated({ check, ttlMs: 5000, except: ['/api/status'], now: () => clock.t }));
  a.get('/api/data', (c) => c.json({ ok: true }));
  a.get('/api/status', (c) => c.json({ status: 'ok' }));
  a.onError((error, c) =>
    error instanceof ApiError
      ? c.json({ detail: error.message }, error.status)
      : c.json({ detail: 'boom' }, 500),
  );
  return a;
}

describe('requireMigrated', () => {
  it('answers 503 with the sentence while behind, and recovers within the TTL after a migration', async () => {
    const clock = { t: 0 };
    let state: MigrationState = { migrated: false, pending: ['2026-11-27-data-status-ledger'] };
    let reads = 0;
    const a = app(async () => {
      reads++;
      return state;
    }, clock);

    const res = await a.request('/api/data');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ detail: 'aggregation database is not migrated: run pnpm db:migrate' });
    expect((await a.request('/api/status')).status).toBe(200);

    state = { migrated: true, pending: [] }; // someone ran pnpm db:migrate
    clock.t = 4999;
    expect((await a.request('/api/data')).status).toBe(503); // still the cached answer
    clock.t = 5000;
    expect((await a.request('/api/data')).status).toBe(200);
    expect(reads).toBe(2);
  });

  it('does not cache a failed read', async () => {
    const clock = { t: 0 };
    let fail = true;
    const a = app(async () => {
      if (fail) throw new Error('connect ECONNREFUSED');
      return { migrated: true, pending: [] };
    }, clock);
    expect((await a.request('/api/data')).status).toBe(500);
    fail = false;
    expect((await a.request('/api/data')).status).toBe(200);
  });
});
