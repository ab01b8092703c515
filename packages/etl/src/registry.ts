import { alerts } from './alerts/index.ts';
import { energy } from './energy/index.ts';
import { PermanentEtlError } from './errors.ts';
import type { EtlDefinition } from './etl.ts';
import { machineActivity } from './machine-activity/index.ts';
import { programs } from './programs/index.ts';
import { sensorStats } from './sensor-stats/index.ts';
import type { SliceTableName } from './slice-tables.ts';

// Every ETL, once: the ids, their order (the CLI's `all`, the demo's runs) and the tables the
// ETLs own all derive from this object. Adding an ETL is one line here (packages/etl/README.md).
const etls = {
  'sensor-stats': sensorStats,
  'machine-activity': machineActivity,
  programs,
  alerts,
  energy,
};

export type EtlId = keyof typeof etls;

// Each entry's key is its ETL's id: a registry line under another name does not compile.
etls satisfies { [K in EtlId]: { id: K } };

/** The aggregate tables some ETL owns. */
type OwnedTable = (typeof etls)[EtlId]['tables'][number];
/** Every slice table must be owned by a registered ETL: an unregistered ETL's table does not compile. */
const everyTableOwned: [Exclude<SliceTableName, OwnedTable>] extends [never] ? true : false = true;
void everyTableOwned;

/** Every ETL by id (replaceable in tests that inject a failing ETL). */
export const registry: Record<EtlId, EtlDefinition> = { ...etls };

/** The ETL ids in registry order. */
export const etlIds: readonly EtlId[] = Object.keys(etls) as EtlId[];

export function isEtlId(value: string): value is EtlId {
  return Object.hasOwn(etls, value);
}

/** The aggregate tables the ETLs write, in registry order (each ETL's tables in its own order). */
export const etlTables: readonly SliceTableName[] = Object.values(etls).flatMap((etl) => etl.tables);

export function getEtl(id: string): EtlDefinition {
  if (!isEtlId(id)) throw new PermanentEtlError(`unknown ETL '${id}' (known: ${etlIds.join(', ')})`);
  return registry[id];
}
