import { type RawBuilder, sql } from 'kysely';
import { floatReading, type ReadingClass, stringReading } from '../readings.ts';
import type { LogTable } from '../signal-catalog.ts';

export interface GapSessionsInput {
  /** Window start (epoch ms, inclusive). */
  start: number;
  /** Window end (epoch ms, exclusive): rows are counted up to here. */
  end: number;
  /** The horizon (DOMAIN §3): rows after it are not part of any session; a row at it is. */
  horizon: number;
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
 * `variable`, never by a scan of a whole log table: `offset 0` keeps the planner from flattening
 * the lateral subquery into a hash join over a sequential scan (it picks that for a small log
 * table, and could for a large one on bad statistics).
 *
 * Invalid rows (±Infinity floats, DOMAIN §1) are skipped as if never logged, the rule the horizon
 * uses, and counted. Off rows (NaN, NULL, UNAVAILABLE) are log rows: the logger wrote them, and
 * the one that marks the switch-off ends the session at the instant the machine went off. No
 * carry-in: a session starts at the day's first row, as the original's did. A row at exactly the
 * horizon is a row of the day and ends its session there (no time after the horizon is counted,
 * as the state method counts up to the horizon); rows after it are not (only invalid rows, or rows
 * in the log table a variable's datatype does not name, can be there).
 *
 * @example
 * const { rows } = await gapSessions({ start, end, horizon, gapMs: 600_000 }).execute(raw);
 * rows[0].running_ms; // 3_600_000
 */
export function gapSessions(input: GapSessionsInput): RawBuilder<GapSessionsRow> {
  const start = sql<number>`${input.start}::bigint`;
  const end = sql<number>`${input.end}::bigint`;
  return sql<GapSessionsRow>`
    with day_rows as (
      ${logRows('variable_log_float', floatReading, start, end)}
      union all
      ${logRows('variable_log_string', stringReading, start, end)}
    ),
    gaps as (
      select date - lag(date) over (order by date) as gap
      from day_rows
      where not invalid and date <= ${input.horizon}::bigint
    )
    select counts.rows_read, counts.invalid, sessions.running_ms
    from (
      select count(*)::int as rows_read, (count(*) filter (where invalid))::int as invalid from day_rows
    ) as counts
    cross join (
      select coalesce(sum(gap) filter (where gap <= ${input.gapMs}::float8), 0)::float8 as running_ms from gaps
    ) as sessions`;
}

// Every row of one log table in [start, end), of every variable, by one index range scan per
// variable (`offset 0` keeps the lateral from being flattened: see gapSessions).
function logRows(table: LogTable, reading: ReadingClass, start: RawBuilder<number>, end: RawBuilder<number>) {
  return sql`
      select logged.date, logged.invalid
      from variable
      cross join lateral (
        select date, ${reading.invalid} as invalid from ${sql.table(table)}
        where id_var = variable.id and date >= ${start} and date < ${end}
        offset 0
      ) as logged`;
}
