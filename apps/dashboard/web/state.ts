import type { MachineStateChanges } from '@mm/api-contract';
import type { MachineState, StateSpan } from './charts.ts';
import { parseAware } from './time.ts';

/**
 * The spans of a day from the API's readable state changes (`/api/v2/machine_changes` over the day):
 * each reading holds until the next one, the state at the day's start is the reading in force then
 * (off when nothing was logged yet, as the daily aggregate counts it), and nothing is known after
 * `knownUntil`, shown as `unknown`.
 *
 * @example
 * stateSpans(changes, dayStart, dayEnd, horizon);
 */
export function stateSpans(
  changes: MachineStateChanges,
  dayStart: number,
  dayEnd: number,
  knownUntil: number,
): StateSpan[] {
  const cut = Math.max(dayStart, Math.min(dayEnd, knownUntil));
  let current: MachineState = changes.at_start?.state ?? 'off';
  const spans: StateSpan[] = [];
  let from = dayStart;
  for (const c of changes.changes) {
    const at = parseAware(c.ts);
    if (!Number.isFinite(at) || at < dayStart) continue;
    if (at >= cut) break;
    if (c.state !== current) {
      if (at > from) spans.push({ state: current, from, to: at });
      from = at;
      current = c.state;
    }
  }
  if (cut > from) spans.push({ state: current, from, to: cut });
  if (dayEnd > cut) spans.push({ state: 'unknown', from: cut, to: dayEnd });
  return spans;
}

/** Seconds per state over the spans. */
export function stateTotals(spans: readonly StateSpan[]): Record<MachineState, number> {
  const totals: Record<MachineState, number> = { running: 0, idle: 0, off: 0, unknown: 0 };
  for (const s of spans) totals[s.state] += (s.to - s.from) / 1000;
  return totals;
}
