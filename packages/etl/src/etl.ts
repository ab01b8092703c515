import type { Logger, Machine } from '@mm/config';
import type { RawDatabase } from '@mm/db';
import type { Kysely, Transaction } from 'kysely';
import type { DayWindow } from './day-window.ts';
import type { ResolvedRoles } from './roles.ts';
import type { SignalCatalog } from './signal-catalog.ts';
import type { SliceRows, SliceTableName } from './slice-tables.ts';

export const etlIds = ['sensor-stats', 'machine-activity', 'programs', 'alerts', 'energy'] as const;
export type EtlId = (typeof etlIds)[number];

export function isEtlId(value: string): value is EtlId {
  return (etlIds as readonly string[]).includes(value);
}

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

/**
 * One ETL: the aggregate tables it owns per (machine, day), and the set-based extract/transform
 * that computes their slice. The runner does the rest (window, horizon, snapshot, atomic replace,
 * ledger), the same for the CLI, tests and queue workers.
 */
export interface EtlDefinition {
  id: EtlId;
  tables: readonly SliceTableName[];
  extract(ctx: ExtractContext): Promise<ExtractResult>;
}
