import type { RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import { isValidAlarmValue } from './alarm-values.ts';
import { computeHorizon } from './horizon.ts';
import { floatReading, type ReadingClass, stringReading } from './readings.ts';
import type { ResolvedRoles } from './roles.ts';
import type { LogTable, RawVariable, SignalCatalog } from './signal-catalog.ts';

/** The instants of a machine's first and last known readings (epoch ms, UTC). */
export interface DataSpan {
  /** The earliest valid or off reading on any mapped variable. */
  first: number;
  /** The horizon (DOMAIN §3): the latest valid or off reading on any mapped variable. */
  last: number;
}

/**
 * The span of raw data an ETL can see for this machine: the earliest and the latest valid or off
 * reading on the variables its profile maps (invalid readings count for neither, as for the
 * horizon). `null` when there is none. A full backfill runs every machine-local day from
 * `localDay(first)` to `localDay(last)`.
 *
 * Two index lookups per variable (oldest first, newest first), so it costs milliseconds on any
 * history length.
 *
 * @example
 * const catalog = await SignalCatalog.load(raw);
 * const span = await dataSpan(raw, resolveRoles(machine, catalog), catalog);
 * if (span) daysBetween(localDay(span.first, tz), localDay(span.last, tz));
 */
export async function dataSpan(
  raw: Kysely<RawDatabase>,
  roles: ResolvedRoles,
  catalog: SignalCatalog,
): Promise<DataSpan | null> {
  const last = await computeHorizon(raw, roles, catalog);
  if (last === null) return null;

  let first: number | null = null;
  const earlier = (t: number | null) => {
    if (t !== null && (first === null || t < first)) first = t;
  };
  for (const { table, ids, reading } of mappedVariables(roles, catalog))
    earlier(await earliestReading(raw, table, ids, reading));
  if (roles.alarms) {
    for (const variable of roles.alarms.variables)
      earlier(await earliestValidAlarm(raw, variable, roles.alarms.format));
  }
  // The horizon found data, so some reading exists; `first` can only be null on a race with a
  // concurrent delete, where the horizon is the best bound left.
  return { first: first ?? last, last };
}

// The non-alarm variables the roles map, grouped per (log table, classifier) so that each group is
// one statement; classifiers are shared objects, so identity groups them.
function mappedVariables(roles: ResolvedRoles, catalog: SignalCatalog) {
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
    // The gap method reads every log row, so every variable's data counts.
    for (const v of catalog.variables)
      add(v, v.table === 'variable_log_float' ? floatReading : stringReading);
  }
  return [...groups].flatMap(([reading, byTable]) =>
    [...byTable].map(([table, ids]) => ({ table, ids: [...ids], reading })),
  );
}

async function earliestReading(
  raw: Kysely<RawDatabase>,
  table: LogTable,
  ids: number[],
  reading: ReadingClass,
): Promise<number | null> {
  const { rows } = await sql<{ first: number | null }>`
    select min(earliest.date) as first
    from unnest(${ids}::int[]) as vars(id)
    cross join lateral (
      select date from ${sql.table(table)}
      where id_var = vars.id and not ${reading.invalid}
      order by date
      limit 1
    ) as earliest`.execute(raw);
  return rows[0]?.first ?? null;
}

// Alarm rows are validated in TypeScript; read the oldest rows in small pages until one is valid.
async function earliestValidAlarm(
  raw: Kysely<RawDatabase>,
  variable: RawVariable,
  format: 'json-snapshot' | 'mtconnect-condition',
): Promise<number | null> {
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const { rows } = await sql<{ date: number; value: string | null }>`
      select date, value::text as value from ${sql.table(variable.table)}
      where id_var = ${variable.id} and date > ${after}::bigint
      order by date
      limit 50`.execute(raw);
    for (const row of rows) if (isValidAlarmValue(format, row.value)) return row.date;
    if (rows.length < 50) return null;
    after = rows.at(-1)!.date;
  }
}
