import { alerts } from './alerts/index.ts';
import { energy } from './energy/index.ts';
import { PermanentEtlError } from './errors.ts';
import type { EtlDefinition } from './etl.ts';
import { type EtlId, etlIds, isEtlId } from './etl-ids.ts';
import { machineActivity } from './machine-activity/index.ts';
import { programs } from './programs/index.ts';
import { sensorStats } from './sensor-stats/index.ts';
import type { SliceTableName } from './slice-tables.ts';

// Every ETL, once, under its id (etl-ids.ts): the tables the ETLs own derive from this object.
// Adding an ETL is its id there and one line here (packages/etl/README.md); the compiler checks both.
const etls = {
  'sensor-stats': sensorStats,
  'machine-activity': machineActivity,
  programs,
  alerts,
  energy,
};

export { type EtlId, etlIds, isEtlId };

// One entry per id, each under its ETL's id: a missing, extra or misnamed line does not compile.
etls satisfies { [K in EtlId]: { id: K } };
const noExtraEtl: [Exclude<keyof typeof etls, EtlId>] extends [never] ? true : false = true;
void noExtraEtl;

/** The aggregate tables some ETL owns. */
type OwnedTable = (typeof etls)[EtlId]['tables'][number];
/** Every slice table must be owned by a registered ETL: an unregistered ETL's table does not compile. */
const everyTableOwned: [Exclude<SliceTableName, OwnedTable>] extends [never] ? true : false = true;
void everyTableOwned;

/** Every ETL by id (replaceable in tests that inject a failing ETL). */
export const registry: Record<EtlId, EtlDefinition> = { ...etls };

/** The aggregate tables the ETLs write, in id order (each ETL's tables in its own order). */
export const etlTables: readonly SliceTableName[] = etlIds.flatMap((id) => etls[id].tables);

export function getEtl(id: string): EtlDefinition {
  if (!isEtlId(id)) throw new PermanentEtlError(`unknown ETL '${id}' (known: ${etlIds.join(', ')})`);
  return registry[id];
}
