import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedSmallPlant } from './cli/small-plant.fixture.ts';
import { type DuePolicy, dueSlices } from './due-slices.ts';
import type { EtlId } from './etl.ts';
import { runEtls } from './runner.ts';
import { T, testDatabases, testMachine } from './test-fixtures.ts';

// The small plant has data on the Madrid days 2024-01-10..12; its horizon (10:00Z on the 12th) makes
// the 12th partial.
const [agg, raw] = testDatabases('agg', 'raw');
const machine = testMachine('logger');
const etls: EtlId[] = ['programs', 'energy'];
const now = new Date('2024-01-20T12:00:00Z');
const policy: DuePolicy = { now, failedCooldownMs: 3_600_000, lateDataLookbackDays: 7 };

const due = async (over: Partial<DuePolicy> = {}) =>
  (await dueSlices({ aggDb: agg.db, rawDb: raw.db, machine, etls, policy: { ...policy, ...over } })).due.map(
    (s) => `${s.day} ${s.etl} ${s.reason}`,
  );

beforeAll(async () => {
  await seedSmallPlant(raw.db);
});

describe('dueSlices', () => {
  it('plans every day of the data span as missing, newest first, never past today', async () => {
    expect(await due()).toEqual([
      '2024-01-12 programs missing',
      '2024-01-12 energy missing',
      '2024-01-11 programs missing',
      '2024-01-11 energy missing',
      '2024-01-10 programs missing',
      '2024-01-10 energy missing',
    ]);
    expect(await due({ now: new Date('2024-01-11T12:00:00Z') })).toEqual([
      '2024-01-11 programs missing',
      '2024-01-11 energy missing',
      '2024-01-10 programs missing',
      '2024-01-10 energy missing',
    ]);
  });

  it('after a run, only the partial day is due', async () => {
    for (const day of ['2024-01-10', '2024-01-11', '2024-01-12']) {
      const runs = await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls, day });
      expect(runs.every((r) => r.ok)).toBe(true);
    }
    expect(await due()).toEqual(['2024-01-12 programs partial', '2024-01-12 energy partial']);
  });

  it('plans a failed slice again only after the cool-down, and a dead run as stale', async () => {
    await sql`update etl_runs set status = 'failed', finished_at = now() - interval '30 minutes'
      where etl = 'energy' and day = '2024-01-10'`.execute(agg.db);
    await sql`update etl_runs set status = 'running', finished_at = null, started_at = ${new Date(now.getTime() - 2 * 3_600_000).toISOString()}::timestamptz
      where etl = 'programs' and day = '2024-01-10'`.execute(agg.db);
    const realNow = new Date();
    expect(await due({ now: realNow, failedCooldownMs: 3_600_000 })).not.toContain(
      '2024-01-10 energy failed',
    );
    expect(await due({ now: realNow, failedCooldownMs: 10 * 60_000 })).toContain('2024-01-10 energy failed');
    expect(await due()).toContain('2024-01-10 programs stale');
    await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls, day: '2024-01-10' });
  });

  it('plans a completed day again when raw rows arrive late, within the lookback only', async () => {
    expect(await due()).toEqual(['2024-01-12 programs partial', '2024-01-12 energy partial']);
    // Injected: a temperature reading for the 11th, written after the 11th was aggregated.
    await raw.db
      .insertInto('variable_log_float')
      .values({ id_var: 1, date: T('2024-01-11T05:00:00.5Z'), value: 2040 })
      .execute();
    expect(await due()).toEqual([
      '2024-01-12 programs partial',
      '2024-01-12 energy partial',
      '2024-01-11 programs late',
      '2024-01-11 energy late',
    ]);
    // The 11th is more than 0 days before the latest reading's day: not looked at.
    expect(await due({ lateDataLookbackDays: 0 })).toEqual([
      '2024-01-12 programs partial',
      '2024-01-12 energy partial',
    ]);
    await runEtls({ aggDb: agg.db, rawDb: raw.db, machine, etls, day: '2024-01-11' });
    expect(await due()).toEqual(['2024-01-12 programs partial', '2024-01-12 energy partial']);
  });
});
