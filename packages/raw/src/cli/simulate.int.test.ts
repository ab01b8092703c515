import type { RawDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { simulateCommand } from './simulate.ts';

let raw: TestDatabase<RawDatabase>;
beforeAll(async () => {
  raw = await createTestDatabase('raw');
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterAll(async () => {
  vi.restoreAllMocks();
  await raw?.drop();
});

async function rows(): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select (select count(*) from variable_log_float) + (select count(*) from variable_log_string) as n
  `.execute(raw.db);
  return Number(rows[0]?.n);
}

it('--if-empty seeds an empty database once and leaves a seeded one alone (exit 0 both times)', async () => {
  const args = ['--db', raw.url, '--start', '2024-03-04', '--days', '2', '--volume', '0.02', '--if-empty'];
  expect(await simulateCommand(args)).toBe(0);
  const seeded = await rows();
  expect(seeded).toBeGreaterThan(0);

  expect(await simulateCommand(args)).toBe(0);
  expect(await rows()).toBe(seeded);
  // Another period is skipped too: the database has readings, whichever days they cover.
  expect(await simulateCommand([...args.slice(0, 3), '2024-05-01', ...args.slice(4)])).toBe(0);
  expect(await rows()).toBe(seeded);

  // Without the flag the same period is a conflict, as before.
  expect(await simulateCommand(args.filter((a) => a !== '--if-empty'))).toBe(1);
});

it('--if-empty reports an unreachable database as a failure, not as seeded', async () => {
  const args = ['--db', 'postgres://nobody@127.0.0.1:1/none', '--start', '2024-03-04', '--days', '1'];
  expect(await simulateCommand([...args, '--if-empty'])).toBe(1);
});
