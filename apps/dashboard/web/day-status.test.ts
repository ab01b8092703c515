import type { MachineStateChanges, RunGridMachine } from '@mm/api-contract';
import { describe, expect, it } from 'vitest';
import { dayStatus, horizonOf, knownUntil, machineEdge, stateAt, statusMarkText } from './day-status.ts';
import { localMidnight, parseAware } from './time.ts';

const zone = 'Europe/Madrid';
const friday = { start: localMidnight('2024-10-25', zone), end: localMidnight('2024-10-26', zone) };
const stop = parseAware('2024-10-25 21:54:00+02:00');

const changes = (
  atStart: MachineStateChanges['at_start'],
  list: Array<[string, 'running' | 'idle' | 'off']>,
): MachineStateChanges => ({
  machine: 'press-07',
  variable: 'state',
  variable_logged: true,
  at_start: atStart,
  changes: list.map(([ts, state]) => ({ ts, state, value: state === 'running' ? 255 : 0 })),
});

const gridRow = (horizon: string | null, lastReading: string | null): RunGridMachine => ({
  machine: 'press-07',
  name: 'Press 07',
  timezone: zone,
  freshness: { last_success_at: null, last_success_age_seconds: null, last_complete_day: null, horizon },
  counts: {},
  data_span: {
    state: lastReading ? 'recorded' : 'unknown',
    first_reading: null,
    last_reading: lastReading,
    first_day: null,
    last_day: null,
    last_reading_age_seconds: null,
    checked_at: null,
  },
  days: [],
});

describe('dayStatus: how final a day is', () => {
  const day = { dayStart: friday.start, dayEnd: friday.end, ledgerComplete: false };

  it('complete when the data reaches past the day, or the ledger says so', () => {
    expect(dayStatus({ ...day, edge: { horizon: friday.end, stateAtHorizon: 'running' } })).toBe('complete');
    expect(dayStatus({ ...day, ledgerComplete: true, edge: { horizon: null, stateAtHorizon: null } })).toBe(
      'complete',
    );
  });

  it('stopped when the data ends inside the day with the machine off', () => {
    expect(dayStatus({ ...day, edge: { horizon: stop, stateAtHorizon: 'off' } })).toBe('stopped');
  });

  it('after stop for a whole day after such a stop', () => {
    const saturday = {
      dayStart: friday.end,
      dayEnd: localMidnight('2024-10-27', zone),
      ledgerComplete: false,
    };
    expect(dayStatus({ ...saturday, edge: { horizon: stop, stateAtHorizon: 'off' } })).toBe('after-stop');
  });

  it('partial when the data ends inside the day with the machine on, or its state is unknown', () => {
    expect(dayStatus({ ...day, edge: { horizon: stop, stateAtHorizon: 'running' } })).toBe('partial');
    expect(dayStatus({ ...day, edge: { horizon: stop, stateAtHorizon: null } })).toBe('partial');
    expect(dayStatus({ ...day, edge: { horizon: null, stateAtHorizon: null } })).toBe('partial');
  });
});

describe('stateAt: the state in force at an instant', () => {
  const window = changes({ state: 'idle', value: 0, logged_at: '2024-10-24 23:00:00+02:00' }, [
    ['2024-10-25 06:00:00+02:00', 'running'],
    ['2024-10-25 21:54:00+02:00', 'off'],
  ]);

  it('is the last change at or before it, else the reading in force at the window’s start', () => {
    expect(stateAt(window, parseAware('2024-10-25 05:59:59+02:00'))).toBe('idle');
    expect(stateAt(window, parseAware('2024-10-25 06:00:00+02:00'))).toBe('running');
    expect(stateAt(window, stop)).toBe('off');
  });

  it('is off before any reading, and unknown (null) without a state signal', () => {
    expect(stateAt(changes(null, []), stop)).toBe('off');
    expect(stateAt({ ...window, variable: null }, stop)).toBeNull();
    expect(stateAt({ ...window, variable_logged: false }, stop)).toBeNull();
  });
});

describe('horizonOf / machineEdge: the latest instant known', () => {
  it('is the later of the ledger’s horizon and the scheduler’s latest reading', () => {
    expect(horizonOf(gridRow('2024-10-25 20:00:00+02:00', '2024-10-25 21:54:00+02:00'))).toBe(stop);
    expect(horizonOf(gridRow('2024-10-25 21:54:00+02:00', null))).toBe(stop);
    expect(horizonOf(gridRow(null, null))).toBeNull();
    expect(horizonOf(undefined)).toBeNull();
  });

  it('moves to a later change the ledger has not caught up with, with the state then', () => {
    const window = changes(null, [
      ['2024-10-25 06:00:00+02:00', 'running'],
      ['2024-10-25 21:54:00+02:00', 'off'],
    ]);
    expect(machineEdge(gridRow('2024-10-25 20:00:00+02:00', null), window, friday.end)).toEqual({
      horizon: stop,
      stateAtHorizon: 'off',
    });
  });

  it('leaves the state unknown when the edge lies past the window', () => {
    const window = changes(null, [['2024-10-25 06:00:00+02:00', 'running']]);
    const edge = machineEdge(gridRow('2024-10-26 08:00:00+02:00', null), window, friday.end);
    expect(edge.stateAtHorizon).toBeNull();
  });
});

describe('knownUntil: how far a day’s timeline is drawn', () => {
  const day = { dayStart: friday.start, dayEnd: friday.end, horizon: stop, now: friday.end + 3_600_000 };

  it('the whole day when complete, the horizon when partial, up to now after a stop', () => {
    expect(knownUntil('complete', day)).toBe(friday.end);
    expect(knownUntil('partial', day)).toBe(stop);
    expect(knownUntil('stopped', day)).toBe(friday.end);
    expect(knownUntil('after-stop', { ...day, now: friday.start + 3_600_000 })).toBe(
      friday.start + 3_600_000,
    );
  });
});

describe('statusMarkText: the sentence above the panels', () => {
  const d = { day: '2024-10-25', today: '2024-10-28', zone, dayStart: friday.start, dayEnd: friday.end };

  it('says nothing of a complete day', () => {
    expect(statusMarkText('complete', { ...d, horizon: friday.end })).toBeNull();
  });

  it('says when a stopped machine went off, in its zone', () => {
    expect(statusMarkText('stopped', { ...d, horizon: stop })).toBe(
      'No reading after 21:54 (Europe/Madrid), when the machine was switched off: a logger writes nothing while its machine is off, so the rest of the day reads as off.',
    );
  });

  it('says a day after a stop is off all day, or so far today', () => {
    const saturday = { ...d, day: '2024-10-26', horizon: stop };
    expect(statusMarkText('after-stop', saturday)).toBe(
      'Off all day: no reading since 2024-10-25 21:54 (Europe/Madrid), when the machine was switched off (a logger writes nothing while its machine is off).',
    );
    expect(statusMarkText('after-stop', { ...saturday, today: '2024-10-26' })).toMatch(/^Off so far today: /);
  });

  it('says how far a partial day’s data reaches, or that it reaches only the day’s start', () => {
    expect(statusMarkText('partial', { ...d, horizon: parseAware('2024-10-25 09:55:00+02:00') })).toBe(
      'Partial day: data up to 09:55 (Europe/Madrid); the numbers grow as data arrives.',
    );
    expect(statusMarkText('partial', { ...d, horizon: friday.start - 1 })).toBe(
      'Partial day: data up to the start of the day; the numbers grow as data arrives.',
    );
  });
});
