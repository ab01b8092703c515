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

it('names a missing database and how to create it, in one line without a stack (exit 1)', async () => {
  const missing = new URL(raw.url);
  missing.pathname = '/mm_raw_never_created';
  const errors = vi.mocked(console.error);
  errors.mockClear();
  const args = ['--db', missing.toString(), '--start', '2024-03-04', '--days', '1', '--volume', '0.02'];
  expect(await simulateCommand(args)).toBe(1);
  expect(errors.mock.calls).toHaveLength(1);
  const [line, ...rest] = errors.mock.calls[0] ?? [];
  expect(rest).toEqual([]);
  expect(line).toMatch(
    /^simulate failed: database "mm_raw_never_created" does not exist on .+: create it first \(createdb -h .* mm_raw_never_created\), then run this again$/,
  );
  expect(String(line)).not.toContain('\n');

  errors.mockClear();
  expect(await simulateCommand([...args, '--if-empty'])).toBe(1);
  expect(String(errors.mock.calls[0]?.[0])).toMatch(
    /^simulate: cannot read the database: database "mm_raw_never_created" does not exist/,
  );
});
