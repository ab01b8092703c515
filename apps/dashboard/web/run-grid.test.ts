import type { CellStatus, DataSpan, RunCell, RunGridMachine } from '@mm/api-contract';
import { describe, expect, it } from 'vitest';
import {
  cellTip,
  countsText,
  hasData,
  lastDataDays,
  machineGridRow,
  pageSizeFor,
  shownStatus,
  spanText,
} from './run-grid.ts';

const recorded: DataSpan = {
  state: 'recorded',
  first_reading: '2024-10-24 06:00:00+02:00',
  last_reading: '2024-10-25 21:54:00+02:00',
  first_day: '2024-10-24',
  last_day: '2024-10-25',
  last_reading_age_seconds: 3600,
  checked_at: '2024-10-28 10:00:00+01:00',
};
const unknown: DataSpan = {
  ...recorded,
  state: 'unknown',
  first_reading: null,
  last_reading: null,
  first_day: null,
  last_day: null,
  last_reading_age_seconds: null,
  checked_at: null,
};
const noReadings: DataSpan = { ...unknown, state: 'no_readings', checked_at: recorded.checked_at };

const cell = (etl: string, status: CellStatus, extra: Partial<RunCell> = {}): RunCell => ({
  etl,
  status,
  started_at: null,
  finished_at: null,
  rows: null,
  rows_read: null,
  attempts: null,
  error: null,
  ...extra,
});

function machine(span: DataSpan, days: Array<[string, CellStatus, CellStatus[]]>): RunGridMachine {
  return {
    machine: 'press-07',
    name: 'Press 07',
    timezone: 'Europe/Madrid',
    freshness: {
      last_success_at: null,
      last_success_age_seconds: null,
      last_complete_day: null,
      horizon: null,
    },
    counts: {},
    data_span: span,
    days: days.map(([day, status, cells]) => ({
      day,
      status,
      etls: cells.map((s, i) => cell(`etl-${i}`, s)),
    })),
  };
}

describe('pageSizeFor: machines per page of the grid', () => {
  it('is 20 for short ranges and fewer when 5 ETLs x days x machines would pass 2000 cells', () => {
    expect(pageSizeFor(14)).toBe(20);
    expect(pageSizeFor(20)).toBe(20);
    expect(pageSizeFor(21)).toBe(19);
    expect(pageSizeFor(100)).toBe(4);
    expect(pageSizeFor(366)).toBe(1);
  });
});

describe('shownStatus: a never-run slice outside the data is "no data", not missing', () => {
  it('inside the recorded span, the ledger as it is', () => {
    expect(hasData(recorded, '2024-10-24')).toBe(true);
    expect(hasData(recorded, '2024-10-25')).toBe(true);
    expect(shownStatus(recorded, '2024-10-25', 'missing')).toBe('missing');
  });

  it('outside it, or with no readings at all, missing reads as nodata; other statuses stay', () => {
    expect(shownStatus(recorded, '2024-10-23', 'missing')).toBe('nodata');
    expect(shownStatus(recorded, '2024-10-26', 'missing')).toBe('nodata');
    expect(shownStatus(noReadings, '2024-10-24', 'missing')).toBe('nodata');
    expect(shownStatus(recorded, '2024-10-26', 'failed')).toBe('failed');
  });

  it('a span the scheduler has not read yet shows the ledger as it is', () => {
    expect(shownStatus(unknown, '2020-01-01', 'missing')).toBe('missing');
  });
});

describe('machineGridRow: counts and each day’s status', () => {
  const m = machine(recorded, [
    ['2024-10-24', 'complete', ['complete', 'complete']],
    ['2024-10-25', 'failed', ['failed', 'partial']],
    ['2024-10-26', 'missing', ['missing', 'missing']],
  ]);

  it('counts the cells by shown status, in the order they first appear', () => {
    const row = machineGridRow(m);
    expect([...row.counts]).toEqual([
      ['complete', 2],
      ['failed', 1],
      ['partial', 1],
      ['nodata', 2],
    ]);
    expect(countsText(row.counts)).toBe(' · 2 complete, 1 failed, 1 partial, 2 no data');
  });

  it('gives a day the worst status of its cells, and nodata when every cell is', () => {
    const row = machineGridRow(m);
    expect(Object.fromEntries(row.dayStatus)).toEqual({
      '2024-10-24': 'complete',
      '2024-10-25': 'failed',
      '2024-10-26': 'nodata',
    });
  });
});

describe('the row heading', () => {
  it('says the data span', () => {
    expect(spanText(recorded)).toBe(' · data 2024-10-24 to 2024-10-25');
    expect(spanText(noReadings)).toBe(' · no raw data');
    expect(spanText(unknown)).toBe(' · data span not read yet');
  });

  it('offers the last 14 days of data only when they lie wholly outside the range', () => {
    expect(lastDataDays(recorded, '2024-11-01', '2024-11-14')).toEqual({
      from: '2024-10-12',
      to: '2024-10-25',
    });
    expect(lastDataDays(recorded, '2024-10-01', '2024-10-14')).toEqual({
      from: '2024-10-12',
      to: '2024-10-25',
    });
    expect(lastDataDays(recorded, '2024-10-20', '2024-11-02')).toBeNull();
    expect(lastDataDays(unknown, '2024-11-01', '2024-11-14')).toBeNull();
  });
});

describe('cellTip: what a cell says on hover and to a screen reader', () => {
  const at = { machine: 'press-07', etl: 'energy', day: '2024-10-28' };

  it('names the slice and its status, then the reason, when it ran, attempts and rows', () => {
    const failed = cell('energy', 'failed', {
      started_at: '2024-10-29 02:00:00+01:00',
      finished_at: '2024-10-29 02:00:03+01:00',
      attempts: 3,
      rows: 0,
      error: 'raw database unreachable',
    });
    expect(cellTip(at, 'failed', failed).split('\n')).toEqual([
      'press-07 · energy · 2024-10-28: failed',
      'reason: raw database unreachable',
      'finished 2024-10-29 02:00:03+01:00',
      'attempts 3',
      'rows 0',
    ]);
  });

  it('says when a run started while it has not finished, and only the status of a slice never run', () => {
    const running = cell('energy', 'running', { started_at: '2024-10-29 02:00:00+01:00', attempts: 1 });
    expect(cellTip(at, 'running', running)).toBe(
      'press-07 · energy · 2024-10-28: running\nstarted 2024-10-29 02:00:00+01:00\nattempts 1',
    );
    expect(cellTip(at, 'nodata', undefined)).toBe('press-07 · energy · 2024-10-28: no data');
  });
});
