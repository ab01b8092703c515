import type { AlertsDailyCount, AlertType } from '@mm/api-contract';

/** The severities, most severe first: the order of the badges. */
export const alertTypes = ['emergency', 'error', 'warning', 'other'] as const satisfies readonly AlertType[];

/**
 * A day's activations per severity, 0 for a severity the API did not list.
 *
 * @example
 * alertsByType([{ day, alert_type: 'error', amount: 3 }]); // { emergency: 0, error: 3, warning: 0, other: 0 }
 */
export function alertsByType(counts: readonly AlertsDailyCount[]): Record<AlertType, number> {
  const byType: Record<AlertType, number> = { emergency: 0, error: 0, warning: 0, other: 0 };
  for (const c of counts) byType[c.alert_type] = c.amount;
  return byType;
}
