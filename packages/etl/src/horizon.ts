import type { RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import { isValidAlarmValue } from './alarm-values.ts';
import { floatReading, type ReadingClass, stringReading } from './readings.ts';
import type { ResolvedRoles } from './roles.ts';
import type { LogTable, RawVariable, SignalCatalog } from './signal-catalog.ts';

/**
 * The machine's horizon (DOMAIN §3): the latest instant of a valid or off reading on any variable
 * its profile maps; `null` when there is none. Nothing after it is known, so no aggregate counts
 * time past it. One index lookup per variable (newest first), so it is cheap at any history length.
 */
export async function computeHorizon(
  raw: Kysely<RawDatabase>,
  roles: ResolvedRoles,
  catalog: SignalCatalog,
): Promise<number | null> {
  const groups: Array<{ variables: RawVariable[]; reading: ReadingClass }> = [];
  const add = (variable: RawVariable, reading: ReadingClass) =>
    groups.push({ variables: [variable], reading });
  if (roles.state) add(roles.state.variable, roles.state.reading);
  if (roles.program) add(roles.program.variable, roles.program.reading);
  for (const t of roles.temperature) add(t.variable, t.reading);
  for (const m of roles.motors) add(m.variable, m.reading);
  if (roles.gapSeconds !== null) {
    // The gap method reads every log row, so every variable bounds what is known.
    for (const v of catalog.variables)
      add(v, v.table === 'variable_log_float' ? floatReading : stringReading);
  }

  let horizon: number | null = null;
  const later = (t: number | null) => {
    if (t !== null && (horizon === null || t > horizon)) horizon = t;
  };
  for (const group of mergeGroups(groups))
    later(await latestReading(raw, group.table, group.ids, group.reading));
  if (roles.alarms) later(await latestValidAlarm(raw, roles.alarms.variables, roles.alarms.format));
  return horizon;
}

// One statement per (log table, classifier): classifiers are shared objects, so identity groups them.
function mergeGroups(groups: Array<{ variables: RawVariable[]; reading: ReadingClass }>) {
  const merged = new Map<ReadingClass, Map<LogTable, Set<number>>>();
  for (const g of groups) {
    const byTable = merged.get(g.reading) ?? new Map<LogTable, Set<number>>();
    merged.set(g.reading, byTable);
    for (const v of g.variables) byTable.set(v.table, (byTable.get(v.table) ?? new Set()).add(v.id));
  }
  return [...merged].flatMap(([reading, byTable]) =>
    [...byTable].map(([table, ids]) => ({ table, ids: [...ids], reading })),
  );
}

async function latestReading(
  raw: Kysely<RawDatabase>,
  table: LogTable,
  ids: number[],
  reading: ReadingClass,
): Promise<number | null> {
  const { rows } = await sql<{ horizon: number | null }>`
    select max(latest.date) as horizon
    from unnest(${ids}::int[]) as vars(id)
    cross join lateral (
      select date from ${sql.table(table)}
      where id_var = vars.id and not ${reading.invalid}
      order by date desc
      limit 1
    ) as latest`.execute(raw);
  return rows[0]?.horizon ?? null;
}

// Alarm rows are validated in TypeScript (JSON / condition parsing). One statement reads the
// newest few rows of every alarm variable (a backward index scan each); only a variable whose
// newest rows are all invalid, which is rare, is paged further back on its own.
const ALARM_TAIL = 8;

async function latestValidAlarm(
  raw: Kysely<RawDatabase>,
  variables: RawVariable[],
  format: 'json-snapshot' | 'mtconnect-condition',
): Promise<number | null> {
  let latest: number | null = null;
  for (const table of ['variable_log_float', 'variable_log_string'] as const) {
    const ids = variables.filter((v) => v.table === table).map((v) => v.id);
    if (ids.length === 0) continue;
    const { rows } = await sql<{ id_var: number; date: number; value: string | null }>`
      select tail.id_var, tail.date, tail.value
      from unnest(${ids}::int[]) as vars(id)
      cross join lateral (
        select id_var, date, value::text as value from ${sql.table(table)}
        where id_var = vars.id
        order by date desc
        limit ${ALARM_TAIL}
      ) as tail
      order by tail.id_var, tail.date desc`.execute(raw);
    for (const id of ids) {
      const tail = rows.filter((r) => r.id_var === id);
      const valid = tail.find((r) => isValidAlarmValue(format, r.value));
      let date = valid?.date ?? null;
      if (date === null && tail.length === ALARM_TAIL) {
        date = await pageBackForValidAlarm(raw, table, id, tail.at(-1)!.date, format);
      }
      if (date !== null && (latest === null || date > latest)) latest = date;
    }
  }
  return latest;
}

async function pageBackForValidAlarm(
  raw: Kysely<RawDatabase>,
  table: LogTable,
  id: number,
  before: number,
  format: 'json-snapshot' | 'mtconnect-condition',
): Promise<number | null> {
  for (;;) {
    const { rows } = await sql<{ date: number; value: string | null }>`
      select date, value::text as value from ${sql.table(table)}
      where id_var = ${id} and date < ${before}::bigint
      order by date desc
      limit 200`.execute(raw);
    for (const row of rows) if (isValidAlarmValue(format, row.value)) return row.date;
    if (rows.length < 200) return null;
    before = rows.at(-1)!.date;
  }
}
