import { createHash } from 'node:crypto';
import type { RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import { mappedVariableGroups } from './known-edge.ts';
import { stringReading } from './readings.ts';
import type { ResolvedRoles } from './roles.ts';
import type { SignalCatalog } from './signal-catalog.ts';

/** How many of an alarm variable's last rows stand for its state (json snapshots: the last valid one is among them). */
const ALARM_ROWS = 8;

/**
 * A hash of the raw state a machine carries across each instant: for every variable its profile maps,
 * the last reading before the instant that an ETL would use (invalid readings skipped); for alarm
 * variables their last few rows, and for MTConnect conditions also how many rows follow their last
 * clear-all (the replay that rebuilds which conditions are active). Two days agree on their shared
 * midnight exactly when this hash does, so a run of D records the state at D's end (`carry_out`) and a
 * run of D+1 the state at its start (`carry_in`): a later run of D that carries out something else
 * (late rows before midnight) makes D+1 due again. Index lookups only (a few per variable).
 *
 * @example
 * const [atStart, atEnd] = await carryStates(raw, roles, catalog, [window.start, window.end]);
 */
export async function carryStates(
  raw: Kysely<RawDatabase>,
  roles: ResolvedRoles,
  catalog: SignalCatalog,
  instants: readonly number[],
): Promise<string[]> {
  const parts = new Map<number, string[]>(instants.map((at) => [at, []]));
  if (instants.length === 0) return [];
  const at = [...instants];
  for (const group of mappedVariableGroups(roles, catalog)) {
    const { rows } = await sql<{ at: number; state: string }>`
      select t.at, string_agg(v.id || '@' || coalesce(last.date::text, '-') || '=' || coalesce(last.value::text, 'null'), ',' order by v.id) as state
      from unnest(${at}::bigint[]) as t(at)
      cross join unnest(${group.ids}::int[]) as v(id)
      left join lateral (
        select date, value from ${sql.table(group.table)}
        where id_var = v.id and date < t.at and not ${group.reading.invalid}
        order by date desc
        limit 1
      ) as last on true
      group by t.at`.execute(raw);
    for (const row of rows) parts.get(Number(row.at))?.push(`${group.table}:${row.state}`);
  }
  if (roles.alarms) {
    const conditions = roles.alarms.format === 'mtconnect-condition';
    const ids = roles.alarms.variables.map((v) => v.id);
    const level = sql`lower(btrim(split_part(value, '|', 1)))`;
    // Alarm variables log strings (a float one is ignored by the alerts ETL, and harmless here).
    const { rows } = await sql<{ at: number; state: string }>`
      select t.at, string_agg(v.id || '@' || coalesce(recent.rows, '-') || '#' || coalesce(replay.n::text, '-'), ',' order by v.id) as state
      from unnest(${at}::bigint[]) as t(at)
      cross join unnest(${ids}::int[]) as v(id)
      left join lateral (
        select string_agg(date || '=' || coalesce(value, 'null'), ';' order by date) as rows
        from (select date, value from variable_log_string where id_var = v.id and date < t.at
              order by date desc limit ${ALARM_ROWS}) as last_rows
      ) as recent on true
      left join lateral (
        select count(*) as n from variable_log_string
        where ${conditions} and id_var = v.id and date < t.at
          and date >= coalesce((
            select date from variable_log_string
            where id_var = v.id and date < t.at
              and (${stringReading.off} or ${level} = 'unavailable'
                   or (${level} = 'normal' and btrim(split_part(value, '|', 2)) = ''))
            order by date desc limit 1), ${Number.MIN_SAFE_INTEGER}::bigint)
      ) as replay on true
      group by t.at`.execute(raw);
    for (const row of rows) parts.get(Number(row.at))?.push(`alarms:${row.state}`);
  }
  return instants.map((instant) =>
    createHash('sha256').update(parts.get(instant)!.join('|')).digest('hex').slice(0, 32),
  );
}
