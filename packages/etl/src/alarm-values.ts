import { parseJsonSnapshot } from './alerts/json-snapshot.ts';
import { parseCondition } from './alerts/mtconnect-condition.ts';

export { isOffAlarmValue } from './alerts/off-value.ts';

/** The two raw alarm formats of DOMAIN §5.4. */
export type AlarmFormat = 'json-snapshot' | 'mtconnect-condition';

/**
 * Whether a raw alarm row can be interpreted at all (an invalid row is skipped and counted). The
 * alerts ETL's parsers decide, so the horizon and the alerts agree on which rows exist.
 */
export function isValidAlarmValue(format: AlarmFormat, value: string | null): boolean {
  const parsed = format === 'json-snapshot' ? parseJsonSnapshot(value) : parseCondition(value);
  return parsed.kind !== 'invalid';
}
