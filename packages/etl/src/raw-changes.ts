import type { RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';

/**
 * The raw database's modification counter: rows ever inserted, updated or deleted in the logger's
 * tables, from PostgreSQL's statistics (which any login may read). It only grows while nothing is
 * written, so an unchanged counter means no row can have arrived since it was last read, and the
 * planner need not fingerprint anything. `null` when it cannot tell: PGlite (whose statistics stay at
 * zero), a standby (statistics are not replicated), `track_counts` off, or the statistics refused.
 * Statistics reach the counter within a few seconds of a commit; a plan that reads the counter
 * before it fingerprints never loses a row to that delay (the next plan sees the counter move).
 *
 * @example
 * const before = await rawChangeCounter(raw); // 1_283_112
 */
export async function rawChangeCounter(raw: Kysely<RawDatabase>): Promise<number | null> {
  try {
    // The statistics functions on the three tables rather than the pg_stat_user_tables view: the
    // view's joins and grouping cost the server a few times this statement's whole work to plan, on
    // every queue job.
    const { rows } = await sql<{ changes: number | null; usable: boolean }>`
      select sum(pg_stat_get_tuples_inserted(t.oid) + pg_stat_get_tuples_updated(t.oid)
                 + pg_stat_get_tuples_deleted(t.oid)) as changes,
             bool_and(not pg_is_in_recovery() and current_setting('track_counts') = 'on'
                      and version() not like '%PGlite%') as usable
      from unnest(array[to_regclass('variable'), to_regclass('variable_log_float'),
                        to_regclass('variable_log_string')]) as t(oid)`.execute(raw);
    const row = rows[0];
    if (!row?.usable || row.changes === null) return null;
    return Number(row.changes);
  } catch {
    return null;
  }
}
