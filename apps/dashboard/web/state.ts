import type { MachineState, StateSpan } from './charts.ts';
import { parseAware } from './time.ts';

/**
 * What a logged state value means, for the two built-in signal profiles: a number is the logger's
 * `MACHINE_IN_OPERATION` (255 running, any other finite value idle), a string MTConnect's `execution`
 * (`ACTIVE` running, `UNAVAILABLE` or empty off, anything else idle); `null` (NaN, NULL) is off.
 */
export function stateOf(value: number | string | null): MachineState {
  if (value === null) return 'off';
  if (typeof value === 'number') return value === 255 ? 'running' : 'idle';
  const text = value.trim();
  if (text === '' || text === 'UNAVAILABLE') return 'off';
  return text === 'ACTIVE' ? 'running' : 'idle';
}

/**
 * The spans of a day from the state changes around it: each reading holds until the next one, the
 * state at the day's start is the last reading before it (off when there is none), and nothing is
 * known after `knownUntil` (the horizon), shown as `unknown`.
 */
export function stateSpans(
  changes: ReadonlyArray<{ ts: string; value: number | string | null }>,
  dayStart: number,
  dayEnd: number,
  knownUntil: number,
): StateSpan[] {
  const readings = changes
    .map((c) => ({ at: parseAware(c.ts), state: stateOf(c.value) }))
    .filter((r) => Number.isFinite(r.at))
    .sort((a, b) => a.at - b.at);
  const cut = Math.max(dayStart, Math.min(dayEnd, knownUntil));
  let current: MachineState = 'off';
  for (const r of readings) if (r.at <= dayStart) current = r.state;
  const spans: StateSpan[] = [];
  let from = dayStart;
  for (const r of readings) {
    if (r.at <= dayStart) continue;
    if (r.at >= cut) break;
    if (r.state !== current) {
      if (r.at > from) spans.push({ state: current, from, to: r.at });
      from = r.at;
      current = r.state;
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
