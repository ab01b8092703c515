/**
 * Every ETL's id, in the order the CLI's `all` and the demo run them. The registry (registry.ts) must
 * hold exactly one ETL per id, under that id, or it does not compile; kept apart from it so the ETL
 * definitions' types (etl.ts) need no import of the ETLs themselves.
 */
export const etlIds = ['sensor-stats', 'machine-activity', 'programs', 'alerts', 'energy'] as const;

export type EtlId = (typeof etlIds)[number];

/**
 * @example
 * isEtlId('energy'); // true
 */
export function isEtlId(value: string): value is EtlId {
  return (etlIds as readonly string[]).includes(value);
}
