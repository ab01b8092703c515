import type { SliceRow, SliceRowsOf } from '../slice-tables.ts';
import type { Activation } from './activation.ts';
import { type AlertType, alertType, alertTypes } from './severity.ts';

/** An activation where and when it happened. */
export interface TimedActivation extends Activation {
  /** Epoch ms of the row that activated it. */
  at: number;
  variableId: number;
  variableName: string;
  /** Position among the activations of that row (json elements keep their logged order). */
  order: number;
}

/** Activations per millisecond above which `alerts_detail.id` would collide with the next ms. */
export const MAX_ACTIVATIONS_PER_MS = 1000;

export class AlertIdOverflowError extends Error {
  override name = 'AlertIdOverflowError';
}

/**
 * The day's slice of `alerts_daily_count` and `alerts_detail` (DOMAIN §5.4) from its activations.
 *
 * Detail ids are deterministic, so a re-run writes the same ids: epoch ms x 1000 + the ordinal of
 * the activation among all activations of that millisecond (any type), ordered by variable id,
 * then position in the row. A detail row exists for `emergency` and `error` activations only.
 * Ids stay below 2^53 until the year 2255.
 *
 * @example
 * buildAlertSlice([{ at: 1000, variableId: 3, variableName: 'ALARMS', order: 0, identity: 'E1',
 *   code: 'E1', description: 'Fallo servo', level: null, raw: ['E1', 'Fallo servo'] }]);
 * // { alerts_daily_count: [{ alert_type: 'error', amount: 1 }],
 * //   alerts_detail: [{ id: 1000000, alert_ts: 1000, alert_type: 'error', ... }] }
 */
export function buildAlertSlice(
  activations: readonly TimedActivation[],
): SliceRowsOf<'alerts_daily_count' | 'alerts_detail'> {
  const sorted = [...activations].sort(
    (a, b) => a.at - b.at || a.variableId - b.variableId || a.order - b.order,
  );
  const amounts = new Map<AlertType, number>();
  const detail: SliceRow<'alerts_detail'>[] = [];
  let previousAt = Number.NaN;
  let ordinal = 0;
  for (const activation of sorted) {
    ordinal = activation.at === previousAt ? ordinal + 1 : 0;
    previousAt = activation.at;
    if (ordinal >= MAX_ACTIVATIONS_PER_MS) {
      throw new AlertIdOverflowError(
        `more than ${MAX_ACTIVATIONS_PER_MS} alarm activations at ${new Date(activation.at).toISOString()}`,
      );
    }
    const type = alertType(activation.description, activation.level);
    amounts.set(type, (amounts.get(type) ?? 0) + 1);
    if (type !== 'emergency' && type !== 'error') continue;
    detail.push({
      id: activation.at * MAX_ACTIVATIONS_PER_MS + ordinal,
      alert_ts: activation.at,
      alert_type: type,
      alarm_code: activation.code,
      alarm_description: activation.description,
      source_variable: activation.variableName,
      // jsonb: the json element as an array, an MTConnect condition as the string it was logged as.
      raw: activation.raw,
    });
  }
  const counts = alertTypes.flatMap((type) => {
    const amount = amounts.get(type);
    return amount ? [{ alert_type: type, amount }] : [];
  });
  return { alerts_daily_count: counts, alerts_detail: detail };
}
