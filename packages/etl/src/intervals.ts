import type { RawDatabase } from '@mm/db';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { ReadingClass } from './readings.ts';
import type { LogTable } from './signal-catalog.ts';

export interface IntervalsInput {
  table: LogTable;
  variableIds: number[];
  reading: ReadingClass;
  /** Window start (epoch ms, inclusive). */
  start: number;
  /** Where time stops counting: min(window end, horizon) (epoch ms, exclusive). */
  end: number;
}

export interface CountedIntervalsInput extends IntervalsInput {
  /** The window's end: rows in [start, countEnd) are counted, even those at or after `end`. */
  countEnd: number;
}

/**
 * SQL common table expressions `readings` and `intervals(id_var, value, is_off, s, e)` implementing
 * DOMAIN §4: each variable's carry-in (its last non-invalid reading before the window, found by an
 * index lookup) plus its readings inside the window, invalid ones removed first; each reading holds
 * until the next reading of the same variable or `end`, clipped to [start, end). Intervals of zero
 * length are dropped.
 *
 * With `countEnd` (the window's end) there is also `counts(rows_read, invalid)`: the rows in
 * [start, countEnd) and the invalid ones among them, an ETL's `rowsRead` and `invalidSkipped`
 * (DOMAIN §6), from the same scan as the intervals (`readings` then holds every row up to
 * `countEnd`, and `intervals` skips the invalid ones and those at or after `end`).
 *
 * @example
 * const q = sql`with ${intervalsCtes(input)} select sum(e - s) from intervals where not is_off`;
 */
export function intervalsCtes(input: IntervalsInput | CountedIntervalsInput): RawBuilder<unknown> {
  const table = sql.table(input.table);
  const start = sql`${input.start}::bigint`;
  const end = sql`${input.end}::bigint`;
  const ids = sql`${input.variableIds}::int[]`;
  const counted = 'countEnd' in input;
  return sql`
    readings as (
      select carry.id_var, carry.date, carry.value, false as invalid
      from unnest(${ids}) as vars(id)
      cross join lateral (
        select id_var, date, value from ${table}
        where id_var = vars.id and date < ${start} and not ${input.reading.invalid}
        order by date desc
        limit 1
      ) as carry
      union all
      select id_var, date, value, ${counted ? input.reading.invalid : sql`false`} from ${table}
      where id_var = any(${ids}) and date >= ${start}
        and ${counted ? sql`date < ${input.countEnd}::bigint` : sql`date < ${end} and not ${input.reading.invalid}`}
    ),
    intervals as (
      select id_var, value, is_off, s, e from (
        select id_var, value, ${input.reading.off} as is_off,
               greatest(date, ${start}) as s,
               least(coalesce(lead(date) over (partition by id_var order by date), ${end}), ${end}) as e
        from readings
        ${counted ? sql`where not invalid and date < ${end}` : sql``}
      ) as clipped
      where e > s
    )${
      counted
        ? sql`,
    counts as (
      select count(*)::int as rows_read, (count(*) filter (where invalid))::int as invalid
      from readings where date >= ${start}
    )`
        : sql``
    }`;
}

/**
 * How many rows of the given variables lie inside [start, end), and how many of them are invalid:
 * an ETL's `rowsRead` and `invalidSkipped` (DOMAIN §6).
 *
 * @example
 * const counts = await readingCounts(raw, { ...input, end: window.end });
 * counts.rowsRead; // 1440
 */
export async function readingCounts(
  raw: Kysely<RawDatabase>,
  input: IntervalsInput,
): Promise<{ rowsRead: number; invalidSkipped: number }> {
  const { rows } = await sql<{ rows_read: number; invalid: number }>`
    select count(*)::int as rows_read, count(*) filter (where ${input.reading.invalid})::int as invalid
    from ${sql.table(input.table)}
    where id_var = any(${input.variableIds}::int[])
      and date >= ${input.start}::bigint and date < ${input.end}::bigint`.execute(raw);
  return { rowsRead: rows[0]?.rows_read ?? 0, invalidSkipped: rows[0]?.invalid ?? 0 };
}
