import { createLogger } from '@mm/config';
import type { AggDatabase } from '@mm/db';
import { simulatePlant } from '@mm/raw';
import { type Kysely, sql } from 'kysely';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EtlId, etlIds } from './etl.ts';
import { etlTables, registry } from './registry.ts';
import { runEtl, runEtls } from './runner.ts';
import { testDatabases, testMachine } from './test-fixtures.ts';

// The runner's guarantees under concurrency and failure, on a simulated plant (the ETLs' own
// rules have golden tests of their own): same-slice runs never interleave, and a database blip in
// the middle of a run leaves the old slice intact, and a re-run gives exactly a clean run's result.

const [agg, raw] = testDatabases('agg', 'raw');
const machine = testMachine('logger');
const DAY = '2024-03-28'; // a Thursday: a working day of the simulated plant

beforeAll(async () => {
  await simulatePlant({
    db: raw.db,
    seed: 11,
    start: '2024-03-26',
    days: 4,
    timezone: machine.timezone,
    volume: 0.05,
  });
});

/** Every aggregate row of the machine, as text, table by table, in a stable order. */
async function snapshot(db: Kysely<AggDatabase>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of etlTables) {
    const { rows } = await sql<{ row: string }>`
      select (t.*)::text as row from ${sql.table(table)} as t order by (t.*)::text`.execute(db);
    out[table] = rows.map((r) => r.row);
  }
  return out;
}

async function clearAggregates() {
  await sql`truncate ${sql.join([...etlTables, 'etl_runs'].map((t) => sql.table(t)))}`.execute(agg.db);
}

const originalEnergy = registry.energy!;
afterEach(() => {
  registry.energy = originalEnergy;
});

describe('runEtls', () => {
  it("four concurrent runs of the same day all succeed and leave exactly one run's rows", async () => {
    await clearAggregates();
    const once = await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls: etlIds, day: DAY });
    expect(once.every((r) => r.ok)).toBe(true);
    const clean = await snapshot(agg.db);
    expect(clean.agg_sensor_stats!.length).toBeGreaterThan(0);
    expect(clean.energy_consumption_hourly!.length).toBeGreaterThan(0);

    const runs = await Promise.all(
      [1, 2, 3, 4].map(() => runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls: etlIds, day: DAY })),
    );
    expect(runs.flat().filter((r) => !r.ok)).toEqual([]);
    expect(await snapshot(agg.db)).toEqual(clean);
    const ledger = await agg.db
      .selectFrom('etl_runs')
      .select(['etl', 'status', 'attempts'])
      .orderBy('etl')
      .execute();
    expect(ledger).toEqual([...etlIds].sort().map((etl) => ({ etl, status: 'succeeded', attempts: 5 })));
  });

  it('a database blip mid-run keeps the old slice, records the failure, and a re-run equals a clean run', async () => {
    await clearAggregates();
    await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls: etlIds, day: DAY });
    const before = await snapshot(agg.db);

    // The raw connection dies while energy runs (after its rows were computed): the server ends
    // the backend, as a restart or a network cut would.
    registry.energy = {
      ...originalEnergy,
      async extract(ctx) {
        const result = await originalEnergy.extract(ctx);
        await sql`select pg_terminate_backend(pg_backend_pid())`.execute(ctx.raw).catch(() => {});
        return result;
      },
    };
    const order: EtlId[] = ['sensor-stats', 'energy', 'alerts'];
    const lines: string[] = [];
    const logger = createLogger({
      app: 'test',
      level: 'info',
      destination: { write: (l: string) => lines.push(l) },
    });
    const runs = await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls: order, day: DAY, logger });
    // Each failed slice is logged once, at error, with its cause once and no stack trace.
    const failures = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'slice failed');
    expect(failures.map((l) => [l.level, l.etl, l.machine, l.day])).toEqual([
      [50, 'energy', machine.id, DAY],
      [50, 'alerts', machine.id, DAY],
    ]);
    for (const line of lines.filter((l) => l.includes('slice failed'))) {
      const cause = JSON.parse(line).cause as string;
      expect(cause).toMatch(/terminat|connection error/i);
      expect(line.split(cause).length - 1).toBe(1);
      expect(line).not.toMatch(/\n\s+at /);
    }
    expect(runs.map((r) => [r.etl, r.ok])).toEqual([
      ['sensor-stats', true],
      ['energy', false],
      ['alerts', false],
    ]);
    expect(await snapshot(agg.db)).toEqual(before); // nothing half-written
    const failed = await agg.db
      .selectFrom('etl_runs')
      .select(['etl', 'status', 'error'])
      .where('status', '=', 'failed')
      .orderBy('etl')
      .execute();
    expect(failed.map((f) => f.etl)).toEqual(['alerts', 'energy']);
    expect(failed.every((f) => f.error !== null && !f.error.includes('\n'))).toBe(true);

    // The blip is over: the retry gives exactly what a clean run gives.
    registry.energy = originalEnergy;
    for (const etl of order) await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl, day: DAY });
    expect(await snapshot(agg.db)).toEqual(before);
    const statuses = await agg.db.selectFrom('etl_runs').select('status').distinct().execute();
    expect(statuses).toEqual([{ status: 'succeeded' }]);
  });
});
