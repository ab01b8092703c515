import type { CellStatus, StaleRules } from '@mm/etl';
import { type RawBuilder, sql } from 'kysely';

/**
 * `classifyRun` of `@mm/etl` as a SQL expression over an `etl_runs` row (named `alias`), for
 * statements that classify the ledger rows of every machine at once instead of reading them into
 * Node: `failed`; `running`, or `stale` once started more than `runningAfterMs` before `now`;
 * `complete`; `partial`, or `stale` once it finished more than `partialAfterMs` before `now`. The
 * two must agree: `cell-status-sql.int.test.ts` checks every case against `classifyRun`.
 *
 * @example
 * sql`select ${cellStatusSql('r', now, rules)} from etl_runs r`
 */
export function cellStatusSql(alias: string, now: Date, rules: StaleRules): RawBuilder<CellStatus> {
  const column = (name: string) => sql.ref(`${alias}.${name}`);
  const at = now.toISOString();
  return sql<CellStatus>`case
    when ${column('status')} = 'failed' then 'failed'
    when ${column('status')} = 'running' then
      case when ${column('started_at')} < ${at}::timestamptz - ${rules.runningAfterMs} * interval '1 millisecond'
           then 'stale' else 'running' end
    when ${column('complete')} then 'complete'
    when coalesce(${column('finished_at')}, ${column('started_at')}) < ${at}::timestamptz - ${rules.partialAfterMs} * interval '1 millisecond'
      then 'stale'
    else 'partial' end`;
}
