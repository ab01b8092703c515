import type { FourStates } from '@mm/api-contract';

// Every share the dashboard shows comes from the API, which computes it from the aggregate's seconds
// and rounds it once to 2 decimals (halves away from zero), the rule of v1's percentages. The page
// shows that number as served, on every view, so one share never reads as two values.

/** A narrow no-break space: `25.55 %` never wraps between the number and its sign. */
const nbsp = '\u202f';

/**
 * A served share as text: `25.55 %`.
 *
 * @example
 * shareText(25.55); // '25.55 %'
 */
export function shareText(percent: number | null): string {
  return percent === null ? '–' : `${percent.toFixed(2)}${nbsp}%`;
}

/** Hours as served (2 decimals): `6.13 h`. */
export function hoursText(hours: number | null): string {
  return hours === null ? '–' : `${hours.toFixed(2)}${nbsp}h`;
}

/** The states of a day, in display order, with their labels. */
export const shareLabels: Record<keyof FourStates, string> = {
  running: 'Running',
  idle: 'Idle (unplanned down)',
  off: 'Off (planned down)',
  unknown: 'Not yet known',
};

/**
 * A whole day off as the aggregate has such days (100 % off, its hours the day's length): a day after
 * a stop, which has no aggregate row because nothing was logged.
 *
 * @example
 * offDay(localMidnight('2024-10-27', zone), localMidnight('2024-10-28', zone)).day_hours; // 25
 */
export function offDay(
  dayStart: number,
  dayEnd: number,
): { shares: FourStates; hours: FourStates; day_hours: number } {
  const dayHours = Math.round((dayEnd - dayStart) / 36_000) / 100;
  return {
    shares: { running: 0, idle: 0, off: 100, unknown: 0 },
    hours: { running: 0, idle: 0, off: dayHours, unknown: 0 },
    day_hours: dayHours,
  };
}
