import type { MachineState, MachineStateChanges, RunGridMachine } from '@mm/api-contract';
import { localDay, localTime, parseAware } from './time.ts';

/**
 * How far a day's numbers are final:
 * - `complete`: the data reaches past the day's end (or the ledger says every slice is complete);
 * - `stopped`: the data ends inside the day with the machine off: a logger writes nothing while a
 *   machine is off, and whatever it logs next, the time until then counts as off (DOMAIN §4), so
 *   the rest of the day can only read as off;
 * - `after-stop`: the whole day lies after such a stop: off all day (up to now, for today), with no
 *   aggregate row yet because nothing was logged (DOMAIN §5.2);
 * - `partial`: the data ends inside the day with the machine on: the numbers grow as data arrives.
 */
export type DayStatus = 'complete' | 'stopped' | 'after-stop' | 'partial';

/** The latest instant known for a machine, and its state then. */
export interface MachineEdge {
  /** Epoch ms of the latest reading the ledger or the scheduler saw; null when none. */
  horizon: number | null;
  /** The state signal's value in force at the horizon; null when unknown (no state signal). */
  stateAtHorizon: MachineState | null;
}

/**
 * The machine's horizon from a run grid (the ledger's horizon, or the scheduler's latest reading
 * when that is later), in epoch ms.
 *
 * @example
 * horizonOf(grid.machines[0]); // 1731704082172
 */
export function horizonOf(row: RunGridMachine | undefined): number | null {
  const candidates = [row?.freshness.horizon, row?.data_span.last_reading]
    .filter((t): t is string => typeof t === 'string')
    .map(parseAware)
    .filter(Number.isFinite);
  return candidates.length > 0 ? Math.max(...candidates) : null;
}

/**
 * The state in force at `instant` from a window of changes that starts before it: the last change at
 * or before it, else the reading in force at the window's start (off when nothing was logged yet).
 * Null when the machine has no state signal to read.
 *
 * @example
 * stateAt(changes, horizon); // 'off'
 */
export function stateAt(changes: MachineStateChanges, instant: number): MachineState | null {
  if (changes.variable === null || !changes.variable_logged) return null;
  let state: MachineState = changes.at_start?.state ?? 'off';
  for (const c of changes.changes) {
    if (parseAware(c.ts) > instant) break;
    state = c.state;
  }
  return state;
}

/**
 * The status of the day [dayStart, dayEnd) of a machine whose data ends at `edge`.
 *
 * @example
 * dayStatus({ dayStart, dayEnd, ledgerComplete: false, edge: { horizon, stateAtHorizon: 'off' } });
 */
export function dayStatus(options: {
  dayStart: number;
  dayEnd: number;
  ledgerComplete: boolean;
  edge: MachineEdge;
}): DayStatus {
  const { dayStart, dayEnd, ledgerComplete, edge } = options;
  if (ledgerComplete || (edge.horizon !== null && edge.horizon >= dayEnd)) return 'complete';
  if (edge.horizon !== null && edge.stateAtHorizon === 'off') {
    return edge.horizon > dayStart ? 'stopped' : 'after-stop';
  }
  return 'partial';
}

/**
 * The machine's edge as seen from a window of its state changes ending at `windowEnd`: the later of
 * the run grid's horizon and the window's last change (data the ledger has not caught up with), and
 * the state in force then when the window can tell (the edge falls before its end).
 *
 * @example
 * const edge = machineEdge(grid.machines[0], changes, dayEnd);
 */
export function machineEdge(
  row: RunGridMachine | undefined,
  changes: MachineStateChanges | null,
  windowEnd: number,
): MachineEdge {
  let horizon = horizonOf(row);
  const lastChange = changes?.changes.at(-1);
  const lastAt = lastChange ? parseAware(lastChange.ts) : Number.NaN;
  if (Number.isFinite(lastAt) && (horizon === null || lastAt > horizon)) horizon = lastAt;
  const stateAtHorizon =
    changes !== null && horizon !== null && horizon < windowEnd ? stateAt(changes, horizon) : null;
  return { horizon, stateAtHorizon };
}

/**
 * Until when a day's states are known: its end when complete; the horizon while the data is still
 * coming (partial); after a stop, up to now (the off state holds until a next reading).
 *
 * @example
 * knownUntil('partial', { dayStart, dayEnd, horizon, now }); // horizon
 */
export function knownUntil(
  status: DayStatus,
  day: { dayStart: number; dayEnd: number; horizon: number; now: number },
): number {
  if (status === 'complete') return day.dayEnd;
  if (status === 'partial') return day.horizon;
  return Math.min(day.dayEnd, day.now);
}

/**
 * The sentence saying how final a day is, null for a complete day. Times are the machine's
 * (`zone`), `HH:MM (zone)`.
 *
 * @example
 * statusMarkText('stopped', { day, today, zone, dayStart, dayEnd, horizon });
 * // 'No reading after 21:54 (Europe/Madrid), when the machine was switched off: …'
 */
export function statusMarkText(
  status: DayStatus,
  d: { day: string; today: string; zone: string; dayStart: number; dayEnd: number; horizon: number },
): string | null {
  const at = (ms: number) => `${localTime(ms, d.zone)} (${d.zone})`;
  switch (status) {
    case 'complete':
      return null;
    case 'partial':
      return `Partial day: data up to ${d.horizon < d.dayEnd && d.horizon > d.dayStart ? at(d.horizon) : 'the start of the day'}; the numbers grow as data arrives.`;
    case 'stopped':
      return `No reading after ${at(d.horizon)}, when the machine was switched off: a logger writes nothing while its machine is off, so the rest of the day reads as off.`;
    case 'after-stop':
      return `Off ${d.day === d.today ? 'so far today' : 'all day'}: no reading since ${localDay(d.horizon, d.zone)} ${at(d.horizon)}, when the machine was switched off (a logger writes nothing while its machine is off).`;
  }
}
