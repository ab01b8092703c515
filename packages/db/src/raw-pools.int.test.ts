import { createTestDatabase, type TestDatabase } from '@mm/testing';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawPools, rawDatabaseLabel, type ServerLimits } from './raw-pools.ts';
import type { RawDatabase } from './types.ts';

// Three raw databases on the test server, read through one RawPools as a worker would.
let raws: Array<TestDatabase<RawDatabase>>;
let admin: pg.Client;
const application = `mm-pools-test-${process.pid}`;

beforeAll(async () => {
  raws = await Promise.all([createTestDatabase('raw'), createTestDatabase('raw'), createTestDatabase('raw')]);
  admin = new pg.Client({ connectionString: raws[0]!.url });
  await admin.connect();
});

afterAll(async () => {
  await admin.end();
  await Promise.all(raws.map((r) => r.drop()));
});

/** This test's connections to the raw databases as the server sees them, by database. */
async function serverSide(): Promise<Map<string, number>> {
  const { rows } = await admin.query<{ datname: string; n: number }>(
    `select datname, count(*)::int as n from pg_stat_activity where application_name = $1 group by datname`,
    [application],
  );
  return new Map(rows.map((r) => [r.datname, r.n]));
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const sleep = (db: ReturnType<RawPools['rawDb']>, seconds: number) =>
  sql`select pg_sleep(${seconds})`.execute(db);

describe('RawPools', () => {
  it('shares one pool between machines of one raw database, and reads the server limits once', async () => {
    const servers: Array<[string, ServerLimits]> = [];
    const pools = new RawPools({
      applicationName: application,
      maxConnections: 2,
      onServer: (server, limits) => servers.push([server, limits]),
    });
    try {
      const a = { id: 'press-01', rawDatabaseUrl: raws[0]!.url };
      const b = { id: 'press-02', rawDatabaseUrl: raws[0]!.url };
      expect(pools.rawDb(a)).toBe(pools.rawDb(b));
      await Promise.all([sleep(pools.rawDb(a), 0.05), sleep(pools.rawDb(b), 0.05)]);
      expect([...pools.poolStats().keys()]).toEqual([rawDatabaseLabel(raws[0]!.url)]);
      expect(rawDatabaseLabel(raws[0]!.url)).not.toContain('@'); // no credentials in labels
      expect(servers).toHaveLength(1);
      expect(servers[0]![1].maxConnections).toBeGreaterThan(0);
      // Every raw connection is read-only.
      await expect(sql`create table nope (id int)`.execute(pools.rawDb(a))).rejects.toThrow(/read-only/);
    } finally {
      await pools.destroyAll();
    }
  });

  it('never holds more than maxConnections over all databases, closing idle ones of the least recently used', async () => {
    const pools = new RawPools({ applicationName: application, maxConnections: 2, maxPools: 2 });
    const dbs = raws.map((r) => pools.rawDb({ rawDatabaseUrl: r.url }));
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, total(await serverSide()), pools.openConnections);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      // Nine queries over three databases, all at once: two run at a time.
      const started = performance.now();
      await Promise.all(dbs.flatMap((db) => [sleep(db, 0.1), sleep(db, 0.1), sleep(db, 0.1)]));
      expect(performance.now() - started).toBeGreaterThanOrEqual(400);
      expect(pools.openConnections).toBeLessThanOrEqual(2);
      expect(pools.openPools).toBeLessThanOrEqual(2);
      // A database used again reopens its pool.
      await sleep(dbs[0]!, 0);
      expect(pools.busyConnections).toBe(0);
    } finally {
      sampling = false;
      await sampler;
      await pools.destroyAll();
    }
    expect(peak).toBeGreaterThanOrEqual(2);
    expect(peak).toBeLessThanOrEqual(2);
  });

  it('never closes a pool in use: a long query survives the others taking turns', async () => {
    const pools = new RawPools({ applicationName: application, maxConnections: 2, maxPools: 1 });
    const [first, second, third] = raws.map((r) => pools.rawDb({ rawDatabaseUrl: r.url }));
    try {
      const long = sleep(first!, 0.6);
      for (const db of [second!, third!, second!, third!]) await sleep(db, 0.02);
      await expect(long).resolves.toBeDefined();
      expect(pools.openPools).toBeLessThanOrEqual(1);
    } finally {
      await pools.destroyAll();
    }
  });

  it('closes idle connections after idleTimeoutMs, and everything on destroyAll', async () => {
    const pools = new RawPools({ applicationName: application, maxConnections: 2, idleTimeoutMs: 200 });
    const db = pools.rawDb({ rawDatabaseUrl: raws[1]!.url });
    // Long enough to overlap on a loaded machine, where opening the second connection can take
    // longer than a short query on the first (which would then be reused).
    await Promise.all([sleep(db, 1), sleep(db, 1)]);
    expect(pools.openConnections).toBe(2);
    await new Promise((r) => setTimeout(r, 500));
    expect(pools.openConnections).toBe(0);
    await sleep(db, 0);
    await pools.destroyAll();
    await new Promise((r) => setTimeout(r, 100));
    expect(total(await serverSide())).toBe(0);
  });
});
