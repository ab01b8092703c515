import { type RawBuilder, sql } from 'kysely';
import { floatReading, stringReading } from '../readings.ts';

export interface GapSessionsInput {
  /** Window start (epoch ms, inclusive). */
  start: number;
  /** Window end (epoch ms, exclusive): rows are counted up to here. */
  end: number;
  /** min(window end, horizon): rows at or after it are not part of any session. */
  until: number;
  /** A session ends at a gap strictly greater than this (ms). */
  gapMs: number;
}

export interface GapSessionsRow {
  rows_read: number;
  invalid: number;
  running_ms: number;
}

/**
 * The original's gap method (DOMAIN §5.2) in one statement: over every log row of the day in both
 * log tables, of every variable, a session starts at the first row and at each row that follows a
 * gap strictly greater than `gapMs`; running time is the sum over sessions of (last - first row).
 * A session's length is the sum of the gaps inside it, so running time is the sum of every gap
 * between consecutive rows that does not split a session: one `lag()` and no session numbering.
 *
 * Rows are found by one index range scan per (variable, log table) through a lateral join over
 * `variable`, never by a scan of a whole log table. Invalid rows (±Infinity floats, DOMAIN §1) are
 * skipped as if never logged, the same rule the horizon uses, and counted. Off rows (NaN, NULL,
 * UNAVAILABLE) are log rows: the logger wrote them, and the one that marks the switch-off closes
 * the session at the instant the machine went off. No carry-in: a session starts at the day's first
 * row, as the original's did.
 *
 * @example
 * const { rows } = await gapSessions({ start, end, until, gapMs: 600_000 }).execute(raw);
 * rows[0].running_ms; // 3_600_000
 */
export function gapSessions(input: GapSessionsInput): RawBuilder<GapSessionsRow> {
  const start = sql`${input.start}::bigint`;
  const end = sql`${input.end}::bigint`;
  return sql<GapSessionsRow>`
    with day_rows as (
      select logged.date, logged.invalid
      from variable
      cross join lateral (
        select date, ${floatReading.invalid} as invalid from variable_log_float
        where id_var = variable.id and date >= ${start} and date < ${end}
      ) as logged
      union all
      select logged.date, logged.invalid
      from variable
      cross join lateral (
        select date, ${stringReading.invalid} as invalid from variable_log_string
        where id_var = variable.id and date >= ${start} and date < ${end}
      ) as logged
    ),
    gaps as (
      select date - lag(date) over (order by date) as gap
      from day_rows
      where not invalid and date < ${input.until}::bigint
    )
    select counts.rows_read, counts.invalid, sessions.running_ms
    from (
      select count(*)::int as rows_read, (count(*) filter (where invalid))::int as invalid from day_rows
    ) as counts
    cross join (
      select coalesce(sum(gap) filter (where gap <= ${input.gapMs}::float8), 0)::float8 as running_ms from gaps
    ) as sessions`;
}
