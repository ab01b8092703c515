import { logTableOf, type RawDatabase } from '@mm/db';
import type { Kysely } from 'kysely';

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
