/** The two raw alarm formats of DOMAIN §5.4. */
export type AlarmFormat = 'json-snapshot' | 'mtconnect-condition';

/** NULL, empty and UNAVAILABLE alarm rows are "off": they clear every alarm of that variable. */
export function isOffAlarmValue(value: string | null): boolean {
  if (value === null) return true;
  const trimmed = value.trim();
  return trimmed === '' || trimmed === 'UNAVAILABLE';
}

const CONDITION_LEVELS = new Set(['normal', 'warning', 'fault', 'unavailable']);

/** Whether a raw alarm row can be interpreted at all (an invalid row is skipped and counted). */
export function isValidAlarmValue(format: AlarmFormat, value: string | null): boolean {
  if (isOffAlarmValue(value)) return true;
  const text = value!.trim();
  if (format === 'json-snapshot') {
    try {
      return Array.isArray(JSON.parse(text));
    } catch {
      return false;
    }
  }
  const level = text.split('|', 1)[0]!.trim().toLowerCase();
  return CONDITION_LEVELS.has(level);
}
