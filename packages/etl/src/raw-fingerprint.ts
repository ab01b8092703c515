import type { DayWindow } from '@mm/calendar';
import type { RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import { DateTime } from 'luxon';
import type { SignalCatalog } from './signal-catalog.ts';

/** How many raw rows fell in a day, and the newest one's instant (null when none). */
export interface RawFingerprint {
  rows: number;
  latest: number | null;
}

/** `LATE_DATA_LOOKBACK_DAYS` unless configured: how far behind the latest reading late rows are looked for. */
export const defaultLateDataLookbackDays = 7;

/**
 * The first machine-local day of the late-data window: days from it to the day of `latest` are the
 * ones whose raw rows are fingerprinted when aggregated, and compared when planning.
 *
 * @example
 * lateWindowStart(Date.parse('2026-03-29T10:00:00Z'), 'UTC', 7); // '2026-03-22'
 */
export function lateWindowStart(latest: number, timezone: string, lookbackDays: number): string {
  // Luxon rather than the calendar's addDays: a stray reading may be stamped outside the supported dates.
  return DateTime.fromMillis(latest, { zone: timezone }).minus({ days: lookbackDays }).toISODate()!;
}

/**
 * The fingerprint of each window's raw rows (every variable of the catalog, both log tables): one
 * set-based statement of index-only range scans. Late rows for a day change its count (and usually
 * its newest instant), which is what the scheduler compares with the one recorded in the ledger.
 *
 * @example
 * const [fp] = await rawFingerprints(raw, catalog, [dayWindow('2026-03-29', 'UTC')]);
 */
export async function rawFingerprints(
  raw: Kysely<RawDatabase>,
  catalog: SignalCatalog,
  windows: readonly Pick<DayWindow, 'day' | 'start' | 'end'>[],
): Promise<Map<string, RawFingerprint>> {
  const result = new Map<string, RawFingerprint>(windows.map((w) => [w.day, { rows: 0, latest: null }]));
  if (windows.length === 0) return result;
  const floatIds = catalog.variables.filter((v) => v.table === 'variable_log_float').map((v) => v.id);
  const stringIds = catalog.variables.filter((v) => v.table === 'variable_log_string').map((v) => v.id);
  const { rows } = await sql<{ day: string; rows: number; latest: number | null }>`
    select w.day, coalesce(sum(c.n), 0)::bigint as rows, max(c.latest) as latest
    from unnest(${windows.map((w) => w.day)}::text[], ${windows.map((w) => w.start)}::bigint[],
                ${windows.map((w) => w.end)}::bigint[]) as w(day, s, e)
    cross join lateral (
      select count(*) as n, max(date) as latest from variable_log_float
      where id_var = any(${floatIds}::int[]) and date >= w.s and date < w.e
      union all
      select count(*), max(date) from variable_log_string
      where id_var = any(${stringIds}::int[]) and date >= w.s and date < w.e
    ) as c
    group by w.day`.execute(raw);
  for (const row of rows) result.set(row.day, { rows: Number(row.rows), latest: row.latest });
  return result;
}
