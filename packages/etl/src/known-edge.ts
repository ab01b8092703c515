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
 * together are a machine's data span. One index lookup per variable, whatever the history length.
 */
export async function knownEdge(
  raw: Kysely<RawDatabase>,
  roles: ResolvedRoles,
  catalog: SignalCatalog,
  edge: Edge,
): Promise<number | null> {
  const candidates: Array<number | null> = [
    await edgeReading(raw, mappedVariableGroups(roles, catalog), edge),
  ];
  if (roles.alarms)
    candidates.push(await edgeValidAlarm(raw, roles.alarms.variables, roles.alarms.format, edge));
  const found = candidates.filter((t): t is number => t !== null);
  if (found.length === 0) return null;
  return edge === 'last' ? Math.max(...found) : Math.min(...found);
}

/** Non-alarm variables the roles map that share a log table and a reading classifier. */
export interface VariableGroup {
  table: LogTable;
  ids: number[];
  reading: ReadingClass;
}

/**
 * The non-alarm variables the roles map, grouped per (log table, classifier) so that each group is
 * one statement; classifiers are shared objects, so identity groups them.
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

// Every group in one statement (a round trip each would cost more than the lookups).
async function edgeReading(
  raw: Kysely<RawDatabase>,
  groups: readonly VariableGroup[],
  edge: Edge,
): Promise<number | null> {
  if (groups.length === 0) return null;
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
  const { rows } = await sql<{ at: number | null }>`
    select ${newest ? sql`max(at)` : sql`min(at)`} as at
    from (${sql.join(perGroup, sql` union all `)}) as edges`.execute(raw);
  return rows[0]?.at ?? null;
}

// Alarm rows are validated in TypeScript (the alerts ETL's own parsers). One statement reads the
// first few rows from the requested end of every alarm variable; only a variable whose rows there
// are all invalid, which is rare, is paged further on its own.
const ALARM_PAGE = 8;
const ALARM_LONG_PAGE = 200;

async function edgeValidAlarm(
  raw: Kysely<RawDatabase>,
  variables: RawVariable[],
  format: AlarmFormat,
  edge: Edge,
): Promise<number | null> {
  const newest = edge === 'last';
  const found: number[] = [];
  for (const table of ['variable_log_float', 'variable_log_string'] as const) {
    const ids = variables.filter((v) => v.table === table).map((v) => v.id);
    if (ids.length === 0) continue;
    const { rows } = await sql<{ id_var: number; date: number; value: string | null }>`
      select page.id_var, page.date, page.value
      from unnest(${ids}::int[]) as vars(id)
      cross join lateral (
        select id_var, date, value::text as value from ${sql.table(table)}
        where id_var = vars.id
        order by date ${newest ? sql`desc` : sql`asc`}
        limit ${ALARM_PAGE}
      ) as page
      order by page.id_var, page.date ${newest ? sql`desc` : sql`asc`}`.execute(raw);
    for (const id of ids) {
      const page = rows.filter((r) => r.id_var === id);
      let date = page.find((r) => isValidAlarmValue(format, r.value))?.date ?? null;
      if (date === null && page.length === ALARM_PAGE) {
        date = await pageForValidAlarm(raw, table, id, page.at(-1)!.date, format, edge);
      }
      if (date !== null) found.push(date);
    }
  }
  if (found.length === 0) return null;
  return newest ? Math.max(...found) : Math.min(...found);
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
