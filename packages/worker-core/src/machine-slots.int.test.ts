import type { AggDatabase } from '@mm/db';
import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advisoryLockSlots, type MachineSlots } from './machine-slots.ts';

// Two "processes" (two slot sets, each with its own connections) sharing one aggregation database.
let agg: TestDatabase<AggDatabase>;
let a: MachineSlots;
let b: MachineSlots;

beforeAll(async () => {
  agg = await createTestDatabase('agg');
  a = advisoryLockSlots({ url: agg.url, perMachine: 3, connections: 3 });
  b = advisoryLockSlots({ url: agg.url, perMachine: 3, connections: 3 });
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
  await agg.drop();
});

/** The slot numbers of the machine-slot locks held now, from `pg_locks`. */
async function heldSlots(machineId: string): Promise<number[]> {
  const { rows } = await sql<{ slot: number }>`
    select objid::int as slot from pg_locks
    where locktype = 'advisory' and granted and objsubid = 2
      and classid::int = hashtext(${`mm-machine-slot:${machineId}`})
    order by objid`.execute(agg.db);
  return rows.map((r) => r.slot);
}

describe('advisoryLockSlots', () => {
  it('hands out each slot once across processes, lowest free first, one lock per job', async () => {
    const first = await a.tryAcquire('press-07');
    const second = await b.tryAcquire('press-07');
    expect(await heldSlots('press-07')).toEqual([0, 1]);
    const third = await a.tryAcquire('press-07');
    expect(await heldSlots('press-07')).toEqual([0, 1, 2]);
    expect(first && second && third).toBeTruthy();
    // All taken: refused, and no lock left behind by the refusal.
    expect(await b.tryAcquire('press-07')).toBeNull();
    expect(await a.tryAcquire('press-07')).toBeNull();
    expect(await heldSlots('press-07')).toEqual([0, 1, 2]);
    // Another machine's slots are its own.
    const other = await b.tryAcquire('press-08');
    expect(await heldSlots('press-08')).toEqual([0]);
    // A released slot (the middle one, held by the other process) is the next one taken.
    await second?.release();
    expect(await heldSlots('press-07')).toEqual([0, 2]);
    const again = await a.tryAcquire('press-07');
    expect(await heldSlots('press-07')).toEqual([0, 1, 2]);
    for (const slot of [first, third, again, other]) await slot?.release();
    expect(await heldSlots('press-07')).toEqual([]);
    expect(await heldSlots('press-08')).toEqual([]);
  });

  it('refuses a slot count that is not a whole number >= 1', () => {
    expect(() => advisoryLockSlots({ url: agg.url, perMachine: 0, connections: 1 })).toThrow(
      'perMachine must be a whole number >= 1, not 0',
    );
  });
});
