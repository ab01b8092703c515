import type { AggDatabase } from '@mm/db';
import { classifyRun, etlIds, type StaleRules } from '@mm/etl';
import { type Kysely, sql } from 'kysely';
import type { Freshness, LedgerRow } from './grid.ts';

/**
 * The ledger rows of some machines over `from`..`to`.
 *
 * @example
 * await ledgerRows(aggDb, ['press-07'], '2024-03-01', '2024-03-31');
 */
export function ledgerRows(
  db: Kysely<AggDatabase>,
  machineIds: readonly string[],
  from: string,
  to: string,
): Promise<LedgerRow[]> {
  return db
    .selectFrom('etl_runs')
    .select([
      'machine_id',
      'etl',
      'day',
      'status',
      'complete',
      'started_at',
      'finished_at',
      'checked_at',
      'rows_read',
      'rows_written',
      'attempts',
      'error',
    ])
    .where('machine_id', 'in', [...machineIds])
    .where('day', '>=', from)
    .where('day', '<=', to)
    .execute();
}

/**
 * Per machine, all-time: the last successful run's end, the last day every known ETL completed, and
 * the latest horizon seen.
 *
 * @example
 * (await ledgerFreshness(aggDb, ['press-07'])).get('press-07')?.last_complete_day;
 */
export async function ledgerFreshness(
  db: Kysely<AggDatabase>,
  machineIds: readonly string[],
): Promise<Map<string, Freshness>> {
  const ids = [...machineIds];
  const [latest, completeDays] = await Promise.all([
    db
      .selectFrom('etl_runs')
      .select((eb) => [
        'machine_id',
        sql<Date | null>`max(finished_at) filter (where status = 'succeeded')`.as('last_success_at'),
        eb.fn.max('horizon').as('horizon'),
      ])
      .where('machine_id', 'in', ids)
      .groupBy('machine_id')
      .execute(),
    db
      .selectFrom(
        db
          .selectFrom('etl_runs')
          .select(['machine_id', 'day'])
          .where('machine_id', 'in', ids)
          .where('status', '=', 'succeeded')
          .where('complete', '=', true)
          .where('etl', 'in', [...etlIds])
          .groupBy(['machine_id', 'day'])
          .having(sql`count(*)`, '>=', etlIds.length)
          .as('complete_days'),
      )
      .select((eb) => ['machine_id', eb.fn.max('day').as('last_complete_day')])
      .groupBy('machine_id')
      .execute(),
  ]);
  const result = new Map<string, Freshness>();
  for (const row of latest) {
    result.set(row.machine_id, {
      last_success_at: row.last_success_at,
      horizon: row.horizon ?? null,
      last_complete_day: null,
    });
  }
  for (const row of completeDays) {
    const entry = result.get(row.machine_id);
    if (entry) entry.last_complete_day = row.last_complete_day;
  }
  return result;
}

/**
 * Per machine, how many days have at least one `failed` slice and how many at least one `stale`
 * one, over the whole ledger (only unfinished or partial slices can be either: the scan uses the
 * ledger's partial index).
 *
 * @example
 * await troubledDays(aggDb, new Date(), defaultStaleRules); // Map { 'press-07' => { failed: 1, stale: 0 } }
 */
export async function troubledDays(
  db: Kysely<AggDatabase>,
  now: Date,
  rules: StaleRules,
): Promise<Map<string, { failed: number; stale: number }>> {
  const rows = await db
    .selectFrom('etl_runs')
    .select(['machine_id', 'day', 'status', 'complete', 'started_at', 'finished_at', 'checked_at'])
    .where((eb) => eb.or([eb('status', '<>', 'succeeded'), eb('complete', '=', false)]))
    .execute();
  const days = new Map<string, { failed: Set<string>; stale: Set<string> }>();
  for (const row of rows) {
    const status = classifyRun(row, now, rules);
    if (status !== 'failed' && status !== 'stale') continue;
    let entry = days.get(row.machine_id);
    if (!entry) {
      entry = { failed: new Set(), stale: new Set() };
      days.set(row.machine_id, entry);
    }
    entry[status].add(row.day);
  }
  return new Map([...days].map(([id, d]) => [id, { failed: d.failed.size, stale: d.stale.size }]));
}
