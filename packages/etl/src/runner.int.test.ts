import { createLogger } from '@mm/config';
import type { AggDatabase } from '@mm/db';
import { simulatePlant } from '@mm/raw';
import { gatedRawDb, holdAdvisoryLock } from '@mm/testing';
import { type Kysely, sql } from 'kysely';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SliceBusyError, SupersededRunError } from './errors.ts';
import { type EtlId, etlIds } from './etl.ts';
import { etlTables, registry } from './registry.ts';
import { runEtl, runEtls } from './runner.ts';
import { testDatabases, testMachine } from './test-fixtures.ts';

// The runner's guarantees under concurrency and failure, on a simulated plant (the ETLs' own
// rules have golden tests of their own): same-slice runs never interleave, and a database blip in
// the middle of a run leaves the old slice intact, and a re-run gives exactly a clean run's result.
// A run superseded by a newer one writes nothing, and a slice whose lock stays taken fails fast.

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
  it("four concurrent runs of the same day leave exactly one run's rows; the others are superseded", async () => {
    await clearAggregates();
    const once = await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls: etlIds, day: DAY });
    expect(once.every((r) => r.ok)).toBe(true);
    const clean = await snapshot(agg.db);
    expect(clean.agg_sensor_stats!.length).toBeGreaterThan(0);
    expect(clean.energy_consumption_hourly!.length).toBeGreaterThan(0);

    const runs = await Promise.all(
      [1, 2, 3, 4].map(() => runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls: etlIds, day: DAY })),
    );
    // Each slice's newest run (the last to take a run token) writes; a run overtaken by a newer one
    // before it commits writes nothing. Which runs are overtaken depends on timing.
    for (const etl of etlIds) {
      expect(runs.flat().filter((r) => r.etl === etl && r.ok).length).toBeGreaterThanOrEqual(1);
    }
    const notOk = runs.flat().flatMap((r) => (r.ok ? [] : [r.error.cause]));
    expect(notOk.filter((cause) => !(cause instanceof SupersededRunError))).toEqual([]);
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

  it('a one-ETL run whose extract fails in the raw snapshot keeps the old slice and leaves the raw pool usable', async () => {
    await clearAggregates();
    await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl: 'energy', day: DAY });
    const before = await snapshot(agg.db);
    // A failing statement aborts the raw transaction (a one-ETL run takes no savepoint around it).
    registry.energy = {
      ...originalEnergy,
      async extract(ctx) {
        await sql`select 1 / 0`.execute(ctx.raw);
        return originalEnergy.extract(ctx);
      },
    };
    const [run] = await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls: ['energy'], day: DAY });
    expect(run?.ok === false && run.error.message).toMatch(/division by zero/);
    expect(await snapshot(agg.db)).toEqual(before);
    const failed = await agg.db.selectFrom('etl_runs').select(['status', 'error']).executeTakeFirstOrThrow();
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/division by zero/);
    // Nothing of the aborted snapshot is left in the pool: the next run succeeds.
    registry.energy = originalEnergy;
    await runEtl({ aggDb: agg.db, rawDb: raw.db, machine, etl: 'energy', day: DAY });
    expect(await snapshot(agg.db)).toEqual(before);
  });

  it('a run overtaken by a newer run of the slice writes nothing: its result is refused, the newer one stays', async () => {
    await clearAggregates();
    // Run A starts (it takes its run token), then stalls on the raw database before it locks the
    // slice, as a worker cut off from the network mid-run would.
    const gate = gatedRawDb(raw.url);
    const etls: EtlId[] = ['sensor-stats', 'energy'];
    const runA = runEtls({ aggDb: agg.db, rawDb: gate.db, machine, etls, day: DAY });
    // Both ledger rows, not just the first: `every` of a one-row ledger would let B start while A
    // still has a slice to mark, and B would then be the older run of that slice.
    await waitFor(async () => {
      const rows = await ledger();
      return rows.length === etls.length && rows.every((r) => r.status === 'running' && r.run_token === 1);
    });

    // Run B (another worker, after A's queue lock expired) starts later and commits.
    const runB = await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls, day: DAY });
    expect(runB.every((r) => r.ok)).toBe(true);
    const afterB = await snapshot(agg.db);
    const versionsB = await rowVersions();
    const ledgerB = await ledger();
    expect(ledgerB.map((r) => [r.status, r.run_token])).toEqual([
      ['succeeded', 2],
      ['succeeded', 2],
    ]);

    // A's network heals: it computes its slices and tries to commit them. Refused.
    gate.open();
    const runsA = await runA;
    expect(runsA.map((r) => [r.etl, r.ok])).toEqual([
      ['sensor-stats', false],
      ['energy', false],
    ]);
    for (const r of runsA) if (!r.ok) expect(r.error.cause).toBeInstanceOf(SupersededRunError);
    expect(await snapshot(agg.db)).toEqual(afterB);
    expect(await rowVersions()).toEqual(versionsB); // not rewritten with equal values either
    expect(await ledger()).toEqual(ledgerB);
    await gate.close();
  });

  it("a superseded run that fails does not overwrite the newer run's outcome in the ledger", async () => {
    await clearAggregates();
    const gate = gatedRawDb(raw.url);
    const runA = runEtls({ aggDb: agg.db, rawDb: gate.db, machine, etls: ['programs'], day: DAY });
    await waitFor(async () => (await ledger()).some((r) => r.status === 'running'));
    expect(
      (await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls: ['programs'], day: DAY }))[0]?.ok,
    ).toBe(true);
    const ledgerB = await ledger();
    gate.fail(new Error('connection terminated unexpectedly'));
    const [a] = await runA;
    expect(a?.ok).toBe(false);
    expect(a?.ok === false && a.error.cause).toBeInstanceOf(SupersededRunError);
    expect(await ledger()).toEqual(ledgerB);
    expect(ledgerB[0]?.status).toBe('succeeded');
    await gate.close();
  });

  it('a failing statement fails its slice only, before or after the other ETLs of the day', async () => {
    registry.energy = {
      ...originalEnergy,
      async extract(ctx) {
        await sql`select 1 / 0`.execute(ctx.raw);
        return originalEnergy.extract(ctx);
      },
    };
    for (const order of [
      ['energy', 'programs'],
      ['programs', 'energy'],
    ] as const) {
      await clearAggregates();
      const runs = await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls: order, day: DAY });
      expect(runs.map((r) => [r.etl, r.ok])).toEqual(order.map((etl) => [etl, etl === 'programs']));
      const failed = runs.find((r) => !r.ok);
      expect(failed?.ok === false && failed.error.message).toMatch(/division by zero/);
      expect((await ledger()).map((r) => [r.etl, r.status])).toEqual([
        ['energy', 'failed'],
        ['programs', 'succeeded'],
      ]);
      expect((await snapshot(agg.db)).machine_program_data!.length).toBeGreaterThan(0);
    }
  });

  it("starts a day's slices in one go: each ETL's ledger row gets its own next token and attempt", async () => {
    await clearAggregates();
    await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls: ['energy'], day: DAY });
    const runs = await runEtls({
      aggDb: agg.db,
      rawDb: raw.db,
      machine,
      etls: ['programs', 'energy'],
      day: DAY,
    });
    expect(runs.map((r) => [r.etl, r.ok])).toEqual([
      ['programs', true],
      ['energy', true],
    ]);
    const rows = await agg.db
      .selectFrom('etl_runs')
      .select(['etl', 'status', 'run_token', 'attempts'])
      .orderBy('etl')
      .execute();
    expect(rows).toEqual([
      { etl: 'energy', status: 'succeeded', run_token: 2, attempts: 2 },
      { etl: 'programs', status: 'succeeded', run_token: 1, attempts: 1 },
    ]);
  });

  it('a slice whose lock another session holds fails fast with SliceBusyError and records nothing', async () => {
    await clearAggregates();
    await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls: ['energy'], day: DAY });
    const before = await snapshot(agg.db);
    const ledgerBefore = await ledger();
    // A session that keeps the slice's lock, as a vanished host's idle transaction does until the
    // server drops it.
    const holder = await holdAdvisoryLock(agg.url, `etl:${machine.id}:energy:${DAY}`);
    try {
      const started = performance.now();
      const [run] = await runEtls({
        aggDb: agg.db,
        rawDb: raw.db,
        machine,
        etls: ['energy'],
        day: DAY,
        lockWaitMs: 300,
      });
      const tookMs = performance.now() - started;
      expect(run?.ok).toBe(false);
      expect(run?.ok === false && run.error.cause).toBeInstanceOf(SliceBusyError);
      expect(tookMs).toBeLessThan(5_000);
      expect(await snapshot(agg.db)).toEqual(before);
      // Still running (the ledger's token moved on: the holder, if alive, is superseded).
      expect((await ledger()).map((r) => [r.status, r.run_token])).toEqual([['running', 2]]);
      expect(ledgerBefore.map((r) => r.run_token)).toEqual([1]);
    } finally {
      await holder.release();
    }
  });
});

async function ledger() {
  return agg.db
    .selectFrom('etl_runs')
    .select(['etl', 'status', 'run_token', 'finished_at', 'rows_written', 'error'])
    .orderBy('etl')
    .execute();
}

/** Each aggregate row's transaction id: a row rewritten even with equal values gets a new one. */
async function rowVersions(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of etlTables) {
    const { rows } = await sql<{ v: string }>`
      select xmin::text as v from ${sql.table(table)} order by xmin::text`.execute(agg.db);
    out[table] = rows.map((r) => r.v);
  }
  return out;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
