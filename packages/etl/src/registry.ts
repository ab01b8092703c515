import { alerts } from './alerts/index.ts';
import { energy } from './energy/index.ts';
import { PermanentEtlError } from './errors.ts';
import { type EtlDefinition, type EtlId, etlIds, isEtlId } from './etl.ts';
import { machineActivity } from './machine-activity/index.ts';
import { programs } from './programs/index.ts';
import { sensorStats } from './sensor-stats/index.ts';

/** Every ETL by id. Adding one: write its module, then list it here and in `etlIds`. */
export const registry: Partial<Record<EtlId, EtlDefinition>> = {
  'sensor-stats': sensorStats,
  'machine-activity': machineActivity,
  programs,
  alerts,
  energy,
};

export function getEtl(id: string): EtlDefinition {
  const etl = isEtlId(id) ? registry[id] : undefined;
  if (!etl) throw new PermanentEtlError(`unknown ETL '${id}' (known: ${etlIds.join(', ')})`);
  return etl;
}
