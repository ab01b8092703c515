import { logTableOf, type RawDatabase } from '@mm/db';
import { type MachineState, stateOfReading } from '@mm/etl';
import { type Kysely, sql } from 'kysely';

/** One logged change of a signal: epoch ms and the value as logged (`null` for NaN, ±Infinity, NULL). */
export interface SignalChange {
  date: number;
  value: number | string | null;
}

/**
 * The logged changes of the variable named `name` with `fromMs <= date <= toMs`, by `date`. A name
 * the raw database does not know has no changes (DOMAIN §2: a missing role yields no rows).
 *
 * @example
 * await readSignalChanges(rawDb, 'MACHINE_IN_OPERATION', Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2));
 */
export async function readSignalChanges(
  raw: Kysely<RawDatabase>,
  name: string,
  fromMs: number,
  toMs: number,
): Promise<SignalChange[]> {
  const variable = await raw
    .selectFrom('variable')
    .select(['id', 'datatype'])
    .where('name', '=', name)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!variable) return [];
  const table = logTableOf(variable.datatype);
  const rows = await raw
    .selectFrom(table)
    .select(['date', 'value'])
    .where('id_var', '=', variable.id)
    .where('date', '>=', fromMs)
    .where('date', '<=', toMs)
    .orderBy('date')
    .execute();
  if (table === 'variable_log_string') return rows.map((r) => ({ date: Number(r.date), value: r.value }));
  return rows.map((r) => ({
    date: Number(r.date),
    value: r.value !== null && Number.isFinite(Number(r.value)) ? Number(r.value) : null,
  }));
}

/** A state reading classified as the activity ETL counts it. */
export interface StateReading {
  date: number;
  state: MachineState;
  /** As logged: a number (`null` for NaN or NULL) or a string (`null` for NULL). */
  value: number | string | null;
}

/** A machine's state signal over a window, with the reading in force when the window opens. */
export interface StateWindow {
  /** The raw database has the variable at all (DOMAIN §2: a missing role yields no rows). */
  variableLogged: boolean;
  /** The last valid or off reading before `fromMs`; `null` when there is none (no reading yet: off). */
  atStart: StateReading | null;
  /** Each valid or off reading with `fromMs <= date <= toMs`, by date; invalid readings are left out. */
  changes: StateReading[];
}

/**
 * The state signal `role` of a raw database between two instants, each reading classified by the
 * profile's running values exactly as the activity ETL does (`stateOfReading` of `@mm/etl`), plus the
 * reading in force at `fromMs`. Two index range scans on the log's primary key.
 *
 * @example
 * const w = await readStateWindow(rawDb, { variable: 'execution', runningValues: ['ACTIVE'] }, from, to);
 * w.atStart?.state; // 'idle'
 */
export async function readStateWindow(
  raw: Kysely<RawDatabase>,
  role: { variable: string; runningValues: Array<number | string> },
  fromMs: number,
  toMs: number,
): Promise<StateWindow> {
  const variable = await raw
    .selectFrom('variable')
    .select(['id', 'datatype'])
    .where('name', '=', role.variable)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!variable) return { variableLogged: false, atStart: null, changes: [] };
  const table = logTableOf(variable.datatype);
  const isFloat = table === 'variable_log_float';
  const state = stateOfReading(isFloat, role.runningValues);
  // NaN as text: `real` NaN is not JSON, and comparing it in JavaScript needs care.
  const value = isFloat ? sql`case when value = 'NaN'::real then null else value end` : sql`value`;
  const { rows } = await sql<{ date: string; state: MachineState | null; value: number | string | null }>`
    select date, state, value from (
      (select date, ${state} as state, ${value} as value from ${sql.table(table)}
        where id_var = ${variable.id} and date < ${fromMs} and ${state} is not null
        order by date desc limit 1)
      union all
      (select date, ${state}, ${value} from ${sql.table(table)}
        where id_var = ${variable.id} and date >= ${fromMs} and date <= ${toMs})
    ) readings order by date`.execute(raw);
  const readings = rows.flatMap((r) =>
    r.state === null
      ? []
      : [{ date: Number(r.date), state: r.state, value: r.value === null ? null : r.value }],
  );
  const first = readings[0];
  const atStart = first !== undefined && first.date < fromMs ? first : null;
  return { variableLogged: true, atStart, changes: atStart ? readings.slice(1) : readings };
}
