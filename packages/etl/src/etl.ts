import type { DayWindow } from '@mm/calendar';
import type { Logger, Machine } from '@mm/config';
import type { RawDatabase } from '@mm/db';
import type { Kysely, Transaction } from 'kysely';
import type { EtlId } from './etl-ids.ts';
import type { ResolvedRoles } from './roles.ts';
import type { SignalCatalog } from './signal-catalog.ts';
import type { SliceRows, SliceRowsOf, SliceTableName } from './slice-tables.ts';

// The ids live with the registry, their single source; re-exported here beside the ETL's other types.
export { type EtlId, etlIds, isEtlId } from './etl-ids.ts';

/** What an ETL's transform sees: one machine-local day of one machine, read in one snapshot. */
export interface ExtractContext {
  /** The raw database, inside a read-only repeatable-read transaction. */
  raw: Transaction<RawDatabase> | Kysely<RawDatabase>;
  machine: Machine;
  window: DayWindow;
  /** Latest known instant (DOMAIN §3), or null when the machine has no data at all. */
  horizon: number | null;
  /** min(window end, horizon): time at or after it is never counted. */
  until: number;
  roles: ResolvedRoles;
  catalog: SignalCatalog;
  logger: Logger;
}

export interface ExtractResult {
  /** The new content of each table slice this ETL owns (rows without machine_id and day). */
  rows: SliceRows;
  rowsRead: number;
  invalidSkipped: number;
  warnings?: string[];
}

/** What an ETL owning `Tables` returns: rows for every one of its tables, typed by their columns. */
export type ExtractResultOf<Tables extends SliceTableName> = Omit<ExtractResult, 'rows'> & {
  rows: SliceRowsOf<Tables>;
};

/**
 * One ETL: the aggregate tables it owns per (machine, day), and the set-based extract/transform
 * that computes their slice. The runner does the rest (window, horizon, snapshot, atomic replace,
 * ledger), the same for the CLI, tests and queue workers. This is the runner's view, whatever
 * tables the ETL owns; an ETL is written with {@link defineEtl}, which types its rows.
 */
export interface EtlDefinition {
  id: EtlId;
  tables: readonly SliceTableName[];
  extract(ctx: ExtractContext): Promise<ExtractResult>;
}

/** An ETL as {@link defineEtl} types it: its id and tables as literals, its rows against its tables. */
export interface EtlDefinitionOf<Tables extends SliceTableName, Id extends string = string> {
  id: Id;
  tables: readonly Tables[];
  extract(ctx: ExtractContext): Promise<ExtractResultOf<Tables>>;
}

/**
 * Declares an ETL: its id and tables are kept as literal types, so the registry derives the ids
 * from it and the compiler checks every row `extract` returns against the tables' columns.
 *
 * @example
 * export const energy = defineEtl({
 *   id: 'energy',
 *   tables: ['energy_consumption_hourly'],
 *   async extract(ctx) { return { rows: { energy_consumption_hourly: [] }, rowsRead: 0, invalidSkipped: 0 }; },
 * });
 */
export function defineEtl<const Id extends string, const Tables extends SliceTableName>(definition: {
  id: Id;
  tables: readonly Tables[];
  extract(ctx: ExtractContext): Promise<ExtractResultOf<NoInfer<Tables>>>;
}): EtlDefinitionOf<Tables, Id> {
  return definition;
}
