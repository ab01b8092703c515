import type { MachineStateChanges } from '@mm/api-contract';
import { describe, expect, it } from 'vitest';
import { stateSpans, stateTotals } from './state.ts';
import { localMidnight, parseAware } from './time.ts';

const zone = 'Europe/Madrid';
const start = localMidnight('2024-10-25', zone);
const end = localMidnight('2024-10-26', zone);
const at = (hhmm: string) => parseAware(`2024-10-25 ${hhmm}:00+02:00`);

const window = (
  atStart: 'running' | 'idle' | 'off' | null,
  list: Array<[string, 'running' | 'idle' | 'off']>,
): MachineStateChanges => ({
  machine: 'press-07',
  variable: 'state',
  variable_logged: true,
  at_start: atStart === null ? null : { state: atStart, value: 0, logged_at: '2024-10-24 23:00:00+02:00' },
  changes: list.map(([hhmm, state]) => ({ ts: `2024-10-25 ${hhmm}:00+02:00`, state, value: 0 })),
});

describe('stateSpans: a day’s timeline from its readable state changes', () => {
  it('holds each reading until the next, from the one in force at midnight', () => {
    const spans = stateSpans(
      window('idle', [
        ['06:00', 'running'],
        ['12:00', 'running'],
        ['14:30', 'off'],
      ]),
      start,
      end,
      end,
    );
    expect(spans).toEqual([
      { state: 'idle', from: start, to: at('06:00') },
      { state: 'running', from: at('06:00'), to: at('14:30') },
      { state: 'off', from: at('14:30'), to: end },
    ]);
  });

  it('is off before the first reading when nothing was logged before the day', () => {
    const spans = stateSpans(window(null, [['08:00', 'running']]), start, end, end);
    expect(spans[0]).toEqual({ state: 'off', from: start, to: at('08:00') });
  });

  it('is unknown after what is known, and ignores changes from then on', () => {
    const spans = stateSpans(
      window('off', [
        ['06:00', 'running'],
        ['11:00', 'idle'],
      ]),
      start,
      end,
      at('10:00'),
    );
    expect(spans).toEqual([
      { state: 'off', from: start, to: at('06:00') },
      { state: 'running', from: at('06:00'), to: at('10:00') },
      { state: 'unknown', from: at('10:00'), to: end },
    ]);
  });
});

describe('stateTotals: seconds per state', () => {
  it('add up to the day, 25 hours on the day the clocks go back', () => {
    const sunday = localMidnight('2024-10-27', zone);
    const monday = localMidnight('2024-10-28', zone);
    const totals = stateTotals(stateSpans(window(null, []), sunday, monday, monday));
    expect(totals).toEqual({ running: 0, idle: 0, off: 25 * 3600, unknown: 0 });
  });

  it('split a day by state', () => {
    const totals = stateTotals(stateSpans(window('off', [['06:00', 'running']]), start, end, at('10:00')));
    expect(totals).toEqual({ running: 4 * 3600, idle: 0, off: 6 * 3600, unknown: 14 * 3600 });
  });
});
