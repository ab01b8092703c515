import type { DayWindow } from '@mm/calendar';
import type { RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import { stringReading } from '../readings.ts';
import { parseJsonSnapshot } from './json-snapshot.ts';
import { parseCondition } from './mtconnect-condition.ts';

/** A raw alarm row: `history` rows come before the day and only rebuild the state at its start. */
export interface AlarmRow {
  idVar: number;
  date: number;
  value: string | null;
  inWindow: boolean;
}

type Raw = Kysely<RawDatabase>;

// Rows of the day, plus enough history to know the state at the day's start. Alarm rows are events
// at instants, and every valid or off alarm row is at or before the horizon (alarm variables are
// mapped, so the horizon is at least as late as each of them): [start, end) therefore holds every
// row that can matter, and `until` (min(end, horizon), exclusive) would wrongly drop a row stamped
// exactly at the horizon. Invalid rows after the horizon can exist; they are still rows of the
// day, read and counted as skipped.
const DAY_ROWS = (ids: number[], window: DayWindow) => sql`
  select id_var, date, value, true as in_window
  from variable_log_string
  where id_var = any(${ids}::int[]) and date >= ${window.start}::bigint and date < ${window.end}::bigint`;

/** How many rows before the day a json-snapshot variable first looks at for its carry-in. */
const CARRY_IN_PAGE = 8;

/**
 * json-snapshot (DOMAIN §5.4): the day's rows and, per variable, its carry-in, the last VALID
 * snapshot before the day (an off row counts: it is the empty snapshot). One statement reads the
 * day plus the last few rows before it of every variable (a backward index lookup each); a
 * variable whose last rows are all invalid JSON walks further back, a page at a time, until a
 * valid one or its first row. The earlier rows returned are harmless: each valid snapshot replaces
 * the whole state, so replaying them ends on the carry-in.
 */
export async function jsonSnapshotRows(raw: Raw, ids: number[], window: DayWindow): Promise<AlarmRow[]> {
  const { rows } = await sql<RawRow>`
    ${DAY_ROWS(ids, window)}
    union all
    select history.id_var, history.date, history.value, false
    from unnest(${ids}::int[]) as vars(id)
    cross join lateral (
      select id_var, date, value from variable_log_string
      where id_var = vars.id and date < ${window.start}::bigint
      order by date desc
      limit ${CARRY_IN_PAGE}
    ) as history`.execute(raw);
  const byVariable = groupRows(rows);
  for (const id of ids) {
    const variableRows = byVariable.get(id) ?? [];
    let history = variableRows.filter((r) => !r.inWindow);
    let more = history.length === CARRY_IN_PAGE;
    let page = CARRY_IN_PAGE;
    while (more && !history.some((r) => parseJsonSnapshot(r.value).kind !== 'invalid')) {
      // Every row fetched so far is invalid: look further back (rare; pages grow geometrically).
      page *= 2;
      const older = await sql<RawRow>`
        select id_var, date, value, false as in_window from variable_log_string
        where id_var = ${id} and date < ${history[0]!.date}::bigint
        order by date desc
        limit ${page}`.execute(raw);
      history = [...older.rows.map(toAlarmRow).reverse(), ...history];
      more = older.rows.length === page;
    }
    byVariable.set(id, [...history, ...variableRows.filter((r) => r.inWindow)]);
  }
  return ids.flatMap((id) => byVariable.get(id) ?? []);
}

/**
 * mtconnect-condition (DOMAIN §5.4): the day's rows and, per variable, every row since its last
 * clear-all row before the day (an off row, `Unavailable`, or `Normal` with no code), found by a
 * backward index scan: replaying from there gives the state at the day's start, because a clear-all
 * forgets everything earlier. A variable never cleared before the day replays its whole history:
 * correct, and bounded by that history (real condition variables go `Unavailable` at every adapter
 * disconnect, so in practice the replay is short).
 *
 * The SQL test is only a way to find the row: it is checked with the TypeScript parser, and if the
 * two ever disagreed (exotic whitespace or case), that variable replays its whole history instead.
 */
export async function conditionRows(raw: Raw, ids: number[], window: DayWindow): Promise<AlarmRow[]> {
  const level = sql`lower(btrim(split_part(value, '|', 1)))`;
  const { rows } = await sql<RawRow & { is_anchor: boolean }>`
    with anchors as (
      select vars.id, anchor.date
      from unnest(${ids}::int[]) as vars(id)
      left join lateral (
        select date from variable_log_string
        where id_var = vars.id and date < ${window.start}::bigint
          and (${stringReading.off} or ${level} = 'unavailable'
               or (${level} = 'normal' and btrim(split_part(value, '|', 2)) = ''))
        order by date desc
        limit 1
      ) as anchor on true
    )
    select replay.id_var, replay.date, replay.value, replay.date >= ${window.start}::bigint as in_window,
           replay.date = anchors.date as is_anchor
    from anchors
    cross join lateral (
      select id_var, date, value from variable_log_string
      where id_var = anchors.id
        and date >= coalesce(anchors.date, ${Number.MIN_SAFE_INTEGER}::bigint)
        and date < ${window.end}::bigint
    ) as replay`.execute(raw);
  const byVariable = groupRows(rows);
  for (const row of rows) {
    if (!row.is_anchor || parseCondition(row.value).kind === 'clear-all') continue;
    const all = await sql<RawRow>`
      select id_var, date, value, date >= ${window.start}::bigint as in_window from variable_log_string
      where id_var = ${row.id_var} and date < ${window.end}::bigint
      order by date`.execute(raw);
    byVariable.set(row.id_var, all.rows.map(toAlarmRow));
  }
  return ids.flatMap((id) => byVariable.get(id) ?? []);
}

interface RawRow {
  id_var: number;
  date: number;
  value: string | null;
  in_window: boolean;
}

function toAlarmRow(row: RawRow): AlarmRow {
  return { idVar: row.id_var, date: row.date, value: row.value, inWindow: row.in_window };
}

// Each variable's rows in time order (the primary key makes (id_var, date) unique).
function groupRows(rows: RawRow[]): Map<number, AlarmRow[]> {
  const byVariable = new Map<number, AlarmRow[]>();
  for (const row of rows) {
    const list = byVariable.get(row.id_var) ?? [];
    list.push(toAlarmRow(row));
    byVariable.set(row.id_var, list);
  }
  for (const list of byVariable.values()) list.sort((a, b) => a.date - b.date);
  return byVariable;
}
