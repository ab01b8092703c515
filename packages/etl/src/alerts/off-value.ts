/**
 * An "off" alarm row (DOMAIN §1, §5.4): `NULL`, an empty string or `UNAVAILABLE`. The machine or the
 * signal is off/unknown, so every alarm of that variable is cleared, as by `[]`. Both alarm formats
 * share this definition (and `alarm-values.ts` re-exports it for the horizon).
 *
 * @example
 * isOffAlarmValue(null); // true
 * isOffAlarmValue(' UNAVAILABLE '); // true
 * isOffAlarmValue('[]'); // false: a valid, empty snapshot
 */
export function isOffAlarmValue(value: string | null): boolean {
  if (value === null) return true;
  const trimmed = value.trim();
  return trimmed === '' || trimmed === 'UNAVAILABLE';
}
