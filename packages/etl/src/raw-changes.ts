import type { RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';

/**
 * The raw database's modification counter: rows ever inserted, updated or deleted in the logger's
 * tables, from PostgreSQL's statistics (`pg_stat_user_tables`, which any login may read). It only
 * grows while nothing is written, so an unchanged counter means no row can have arrived since it was
 * last read, and the planner need not fingerprint anything. `null` when it cannot tell: PGlite (whose
 * statistics stay at zero), a
 * standby (statistics are not replicated), `track_counts` off, or the view refused. Statistics
 * reach the view within a few seconds of a commit; a plan that reads the counter before it
 * fingerprints never loses a row to that delay (the next plan sees the counter move).
 *
 * @example
 * const before = await rawChangeCounter(raw); // 1_283_112
 */
export async function rawChangeCounter(raw: Kysely<RawDatabase>): Promise<number | null> {
  try {
    const { rows } = await sql<{ changes: number | null; usable: boolean }>`
      select (select sum(n_tup_ins + n_tup_upd + n_tup_del) from pg_stat_user_tables
              where relname in ('variable', 'variable_log_float', 'variable_log_string')) as changes,
             not pg_is_in_recovery() and current_setting('track_counts') = 'on'
               and version() not like '%PGlite%' as usable`.execute(raw);
    const row = rows[0];
    if (!row?.usable || row.changes === null) return null;
    return Number(row.changes);
  } catch {
    return null;
  }
}
