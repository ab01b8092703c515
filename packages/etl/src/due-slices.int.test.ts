import type { Machine } from '@mm/config';
import type { RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedSmallPlant } from './cli/small-plant.fixture.ts';
import { readDataSpans } from './data-span.ts';
import { type DuePolicy, type PlanDueResult, planDueSlices } from './due-slices.ts';
import type { EtlId } from './etl.ts';
import { runEtls } from './runner.ts';
import { T, testDatabases, testMachine, writeRaw as writeRawAndWait } from './test-fixtures.ts';

// The small plant has data on the Madrid days 2024-01-10..12; its horizon (10:00Z on the 12th) makes
// the 12th partial. Two machines read the same raw database, so their days and ledgers are alike.
const [agg, raw] = testDatabases('agg', 'raw');
const press = testMachine('logger');
const lathe = testMachine('logger', { id: 'lathe-01', name: 'Lathe 01' });
const machines: Machine[] = [press, lathe];
const etls: EtlId[] = ['programs', 'energy'];

const policy = (over: Partial<DuePolicy> = {}): DuePolicy => ({
  now: new Date(),
  failedCooldownMs: 3_600_000,
  lateDataLookbackDays: 7,
  refreshMs: 0,
  ...over,
});

let last: PlanDueResult;
async function plan(over: Partial<DuePolicy> = {}, only: Machine[] = [press]): Promise<string[]> {
  last = await planDueSlices({
    aggDb: agg.db,
    rawDb: () => raw.db,
    machines: only,
    etls,
    policy: policy(over),
    concurrency: 2,
  });
  return last.due.map((s) => `${s.day} ${s.etl} ${s.machine} ${s.reason}`);
}

async function run(day: string, machine: Machine = press) {
  const runs = await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls, day });
  expect(runs.every((r) => r.ok)).toBe(true);
}

const writeRaw = (write: (raw: Kysely<RawDatabase>) => Promise<unknown>) => writeRawAndWait(raw.db, write);

beforeAll(async () => {
  await writeRaw((db) => seedSmallPlant(db));
});

describe('planDueSlices', () => {
  it('plans every day of every machine as missing: newest day first, then by ETL, then machine; never past today', async () => {
    expect(await plan({}, machines)).toEqual([
      '2024-01-12 programs lathe-01 missing',
      '2024-01-12 programs press-07 missing',
      '2024-01-12 energy lathe-01 missing',
      '2024-01-12 energy press-07 missing',
      '2024-01-11 programs lathe-01 missing',
      '2024-01-11 programs press-07 missing',
      '2024-01-11 energy lathe-01 missing',
      '2024-01-11 energy press-07 missing',
      '2024-01-10 programs lathe-01 missing',
      '2024-01-10 programs press-07 missing',
      '2024-01-10 energy lathe-01 missing',
      '2024-01-10 energy press-07 missing',
    ]);
    expect(await plan({ now: new Date('2024-01-11T12:00:00Z') })).toEqual([
      '2024-01-11 programs press-07 missing',
      '2024-01-11 energy press-07 missing',
      '2024-01-10 programs press-07 missing',
      '2024-01-10 energy press-07 missing',
    ]);
    // Every machine's span is recorded for the API, by the plan's one statement.
    const spans = await readDataSpans(agg.db);
    expect([...spans.keys()].sort()).toEqual(['lathe-01', 'press-07']);
    expect(spans.get('lathe-01')?.span).toEqual({
      first: T('2024-01-09T23:30:00Z'),
      last: T('2024-01-12T10:00:00Z'),
    });
  });

  it('never re-runs a partial day whose raw data did not change, and keeps it fresh (checked)', async () => {
    for (const day of ['2024-01-10', '2024-01-11', '2024-01-12']) await run(day);
    // Within PARTIAL_REFRESH_SECONDS of its run, the partial day is not even looked at.
    expect(await plan({ refreshMs: 3_600_000 })).toEqual([]);
    // Past it, the day's raw data is compared with what the run saw: unchanged, so nothing is due
    // (a machine whose logger stopped keeps its last day partial without re-running it forever).
    expect(await plan()).toEqual([]);
    expect(last.unchanged).toBe(2);
    const partial = await agg.db
      .selectFrom('etl_runs')
      .select(['etl', 'checked_at', 'attempts'])
      .where('day', '=', '2024-01-12')
      .execute();
    expect(partial.every((r) => r.checked_at !== null && r.attempts === 1)).toBe(true);
    // Nothing was written since the days were fingerprinted (the raw database's modification
    // counter says so): the next plan fingerprints nothing at all.
    expect(await plan()).toEqual([]);
    expect(last.fingerprinted).toBe(0);
    expect(last.unchanged).toBe(2);
  });

  it('refreshes a partial day once its raw rows changed, at the refresh cadence only', async () => {
    // Injected: a reading on the 12th before the horizon (the horizon itself does not move).
    await writeRaw((db) =>
      db
        .insertInto('variable_log_float')
        .values({ id_var: 3, date: T('2024-01-12T09:00:00.5Z'), value: 9 })
        .execute(),
    );
    expect(await plan({ refreshMs: 3_600_000 })).toEqual([]);
    expect(await plan()).toEqual([
      '2024-01-12 programs press-07 partial',
      '2024-01-12 energy press-07 partial',
    ]);
    await run('2024-01-12');
    expect(await plan()).toEqual([]);
  });

  it('plans a failed slice again only after the cool-down', async () => {
    await sql`update etl_runs set status = 'failed', finished_at = now() - interval '30 minutes'
      where machine_id = 'press-07' and etl = 'energy' and day = '2024-01-10'`.execute(agg.db);
    expect(await plan({ failedCooldownMs: 3_600_000 })).toEqual([]);
    expect(await plan({ failedCooldownMs: 10 * 60_000 })).toEqual(['2024-01-10 energy press-07 failed']);
    await run('2024-01-10');
  });

  it('plans a running slice that nobody runs (its advisory lock free) at once, and leaves a running one alone', async () => {
    // Injected: the ledger says running, as after a worker died or failed to record its failure.
    await sql`update etl_runs set status = 'running', finished_at = null, started_at = now()
      where machine_id = 'press-07' and day = '2024-01-10'`.execute(agg.db);
    expect(await plan()).toEqual(['2024-01-10 programs press-07 stale', '2024-01-10 energy press-07 stale']);
    // A run in progress holds the slice's lock (the runner's key): that slice is not planned.
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = agg.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${'etl:press-07:energy:2024-01-10'}, 0))`.execute(
        trx,
      );
      locked();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await isLocked;
    try {
      expect(await plan()).toEqual(['2024-01-10 programs press-07 stale']);
    } finally {
      release();
      await holder;
    }
    await run('2024-01-10');
    expect(await plan()).toEqual([]);
  });

  it('plans a completed day again when raw rows arrive late, within the lookback only', async () => {
    // Injected: a temperature reading for the 11th, written after the 11th was aggregated.
    await writeRaw((db) =>
      db
        .insertInto('variable_log_float')
        .values({ id_var: 1, date: T('2024-01-11T05:00:00.5Z'), value: 2040 })
        .execute(),
    );
    // The 11th is more than 0 days before the latest reading's day: not looked at.
    expect(await plan({ lateDataLookbackDays: 0 })).toEqual([]);
    expect(await plan()).toEqual(['2024-01-11 programs press-07 late', '2024-01-11 energy press-07 late']);
    expect(last.due.every((s) => s.fingerprint)).toBe(true);
    await run('2024-01-11');
    expect(await plan()).toEqual([]);
  });

  it('re-plans D+1 once a re-run of D carries a different state across midnight', async () => {
    // Injected: a late state reading at 23:30 Madrid on the 10th: the 10th's rows change, and so does
    // the state the 11th starts from (idle 128 instead of 0 until 09:00 local).
    await writeRaw((db) =>
      db
        .insertInto('variable_log_float')
        .values({ id_var: 2, date: T('2024-01-10T22:30:00Z'), value: 128 })
        .execute(),
    );
    expect(await plan()).toEqual(['2024-01-10 programs press-07 late', '2024-01-10 energy press-07 late']);
    await run('2024-01-10');
    // The 10th now carries out another state than the one the 11th was computed from.
    expect(await plan()).toEqual(['2024-01-11 programs press-07 late', '2024-01-11 energy press-07 late']);
    await run('2024-01-11');
    // The 12th starts from the 11th's own readings (08:00 local), unchanged: it stays as it is.
    expect(await plan()).toEqual([]);
  });
});
