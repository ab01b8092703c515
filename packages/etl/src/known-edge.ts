import type { RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import { type AlarmFormat, isValidAlarmValue } from './alarm-values.ts';
import { floatReading, type ReadingClass, stringReading } from './readings.ts';
import type { ResolvedRoles } from './roles.ts';
import type { LogTable, RawVariable, SignalCatalog } from './signal-catalog.ts';

/** Which end of what is known: the oldest (`first`) or the newest (`last`) reading. */
export type Edge = 'first' | 'last';

/**
 * The instant of the oldest or newest valid or off reading on any variable the roles map (invalid
 * readings do not count); `null` when there is none. The newest is the horizon (DOMAIN §3); both
 * together are a machine's data span. One index lookup per variable, whatever the history length,
 * all in one statement (a round trip per snapshot): the readings' edge, and the first few rows from
 * that end of every alarm variable, which the alerts ETL's own parsers validate here. Only an alarm
 * variable whose rows there are all invalid, which is rare, is paged further on its own.
 */
export async function knownEdge(
  raw: Kysely<RawDatabase>,
  roles: ResolvedRoles,
  catalog: SignalCatalog,
  edge: Edge,
): Promise<number | null> {
  const newest = edge === 'last';
  const groups = mappedVariableGroups(roles, catalog);
  const alarmTables = (['variable_log_float', 'variable_log_string'] as const)
    .map((table) => ({
      table,
      ids: (roles.alarms?.variables ?? []).filter((v) => v.table === table).map((v) => v.id),
    }))
    .filter(({ ids }) => ids.length > 0);
  // The readings' edge is the one row whose id_var is null.
  const parts = [
    ...(groups.length > 0
      ? [sql`select null::int as id_var, (${readingEdge(groups, edge)}) as date, null::text as value`]
      : []),
    ...alarmTables.map(({ table, ids }) => alarmPages(table, ids, edge)),
  ];
  if (parts.length === 0) return null;
  const { rows } = await sql<{ id_var: number | null; date: number | null; value: string | null }>`
    select id_var, date, value from (${sql.join(parts, sql` union all `)}) as known_edge`.execute(raw);
  const found: number[] = [];
  const reading = rows.find((r) => r.id_var === null)?.date ?? null;
  if (reading !== null) found.push(reading);
  if (roles.alarms) {
    const { format } = roles.alarms;
    for (const { table, ids } of alarmTables) {
      for (const id of ids) {
        const page = rows
          .filter((r): r is { id_var: number; date: number; value: string | null } => r.id_var === id)
          .sort((a, b) => (newest ? b.date - a.date : a.date - b.date));
        let date = page.find((r) => isValidAlarmValue(format, r.value))?.date ?? null;
        if (date === null && page.length === ALARM_PAGE) {
          date = await pageForValidAlarm(raw, table, id, page.at(-1)!.date, format, edge);
        }
        if (date !== null) found.push(date);
      }
    }
  }
  if (found.length === 0) return null;
  return newest ? Math.max(...found) : Math.min(...found);
}

/** Non-alarm variables the roles map that share a log table and a reading classifier. */
export interface VariableGroup {
  table: LogTable;
  ids: number[];
  reading: ReadingClass;
}

/**
 * The non-alarm variables the roles map, grouped per (log table, classifier) so that each group is
 * one lookup; classifiers are shared objects, so identity groups them.
 */
export function mappedVariableGroups(roles: ResolvedRoles, catalog: SignalCatalog): VariableGroup[] {
  const groups = new Map<ReadingClass, Map<LogTable, Set<number>>>();
  const add = (variable: RawVariable, reading: ReadingClass) => {
    const byTable = groups.get(reading) ?? new Map<LogTable, Set<number>>();
    groups.set(reading, byTable);
    byTable.set(variable.table, (byTable.get(variable.table) ?? new Set()).add(variable.id));
  };
  if (roles.state) add(roles.state.variable, roles.state.reading);
  if (roles.program) add(roles.program.variable, roles.program.reading);
  for (const t of roles.temperature) add(t.variable, t.reading);
  for (const m of roles.motors) add(m.variable, m.reading);
  if (roles.gapSeconds !== null) {
    // The gap method reads every log row, so every variable bounds what is known.
    for (const v of catalog.variables)
      add(v, v.table === 'variable_log_float' ? floatReading : stringReading);
  }
  return [...groups].flatMap(([reading, byTable]) =>
    [...byTable].map(([table, ids]) => ({ table, ids: [...ids], reading })),
  );
}

/** The oldest or newest valid reading over every group, as a scalar subquery. */
function readingEdge(groups: readonly VariableGroup[], edge: Edge) {
  const newest = edge === 'last';
  const perGroup = groups.map(
    (group) => sql`
    select ${newest ? sql`max(found.date)` : sql`min(found.date)`} as at
    from unnest(${group.ids}::int[]) as vars(id)
    cross join lateral (
      select date from ${sql.table(group.table)}
      where id_var = vars.id and not ${group.reading.invalid}
      order by date ${newest ? sql`desc` : sql`asc`}
      limit 1
    ) as found`,
  );
  return sql`select ${newest ? sql`max(at)` : sql`min(at)`} as at from (${sql.join(perGroup, sql` union all `)}) as edges`;
}

// Alarm rows are validated in TypeScript (the alerts ETL's own parsers): the first few rows from the
// requested end of each alarm variable come with the readings' edge.
const ALARM_PAGE = 8;
const ALARM_LONG_PAGE = 200;

function alarmPages(table: LogTable, ids: number[], edge: Edge) {
  const newest = edge === 'last';
  return sql`
    select page.id_var, page.date, page.value
    from unnest(${ids}::int[]) as vars(id)
    cross join lateral (
      select id_var, date, value::text as value from ${sql.table(table)}
      where id_var = vars.id
      order by date ${newest ? sql`desc` : sql`asc`}
      limit ${ALARM_PAGE}
    ) as page`;
}

async function pageForValidAlarm(
  raw: Kysely<RawDatabase>,
  table: LogTable,
  id: number,
  from: number,
  format: AlarmFormat,
  edge: Edge,
): Promise<number | null> {
  const newest = edge === 'last';
  for (let beyond = from; ; ) {
    const { rows } = await sql<{ date: number; value: string | null }>`
      select date, value::text as value from ${sql.table(table)}
      where id_var = ${id} and date ${newest ? sql`<` : sql`>`} ${beyond}::bigint
      order by date ${newest ? sql`desc` : sql`asc`}
      limit ${ALARM_LONG_PAGE}`.execute(raw);
    for (const row of rows) if (isValidAlarmValue(format, row.value)) return row.date;
    if (rows.length < ALARM_LONG_PAGE) return null;
    beyond = rows.at(-1)!.date;
  }
}
