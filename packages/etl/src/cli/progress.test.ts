import { describe, expect, it } from 'vitest';
import type { BackfillSummary, DayOutcome } from './backfill.ts';
import {
  createProgressPrinter,
  formatBar,
  formatCount,
  formatDayLine,
  formatDuration,
  formatPlan,
  formatRate,
  formatSummary,
} from './progress.ts';

const day: DayOutcome = {
  machineId: 'press-07',
  day: '2024-01-03',
  durationMs: 840,
  slices: [
    { etl: 'sensor-stats', ok: true, rowsRead: 86_400, rowsWritten: 24, complete: true, durationMs: 300 },
    { etl: 'energy', ok: false, error: 'boom', durationMs: 540 },
  ],
};

const summary: BackfillSummary = {
  machines: 1,
  days: 30,
  plannedDays: 30,
  slicesOk: 149,
  slicesFailed: 1,
  rowsRead: 8_012_345,
  rowsWritten: 2_345,
  elapsedMs: 4_410,
  perEtl: {
    'sensor-stats': { durationMs: 1000, rowsRead: 1, rowsWritten: 1 },
    energy: { durationMs: 3000, rowsRead: 1, rowsWritten: 1 },
  },
  failures: [{ machineId: 'press-07', etl: 'energy', day: '2024-01-03', error: 'Error: boom' }],
  warnings: [{ message: "temperature: variable 'T' does not exist on machine 'press-07'", slices: 30 }],
  interrupted: false,
};

describe('formatting', () => {
  it('numbers, rates and durations', () => {
    expect(formatCount(8_012_345)).toBe('8,012,345');
    expect(formatRate(1_834_000)).toBe('1.83 M');
    expect(formatRate(45_210)).toBe('45.2 k');
    expect(formatRate(12)).toBe('12');
    expect(formatDuration(840)).toBe('840 ms');
    expect(formatDuration(4_410)).toBe('4.41 s');
    expect(formatDuration(42_000)).toBe('42.0 s');
    expect(formatDuration(125_000)).toBe('2 min 05 s');
    expect(formatDuration(3_725_000)).toBe('1 h 02 min');
  });

  it('a day line names rows written per ETL, FAILED ones, rows read and time', () => {
    expect(formatDayLine(day, { doneDays: 3, totalDays: 30 })).toBe(
      '[ 3/30] press-07 2024-01-03  rows written: sensor-stats 24 (300 ms), energy FAILED (540 ms); 86,400 read; 840 ms',
    );
    const partial: DayOutcome = {
      ...day,
      slices: [{ ...(day.slices[0] as DayOutcome['slices'][0] & { ok: true }), complete: false }],
    };
    expect(formatDayLine(partial, { doneDays: 1, totalDays: 1 })).toMatch(/\(partial day\)$/);
  });

  it('the progress bar', () => {
    expect(
      formatBar({ doneDays: 12, totalDays: 30, rowsRead: 3.2e6, rowsWritten: 0, elapsedMs: 1800 }, 'x', 10),
    ).toBe('[####------] 12/30 days  x  1.78 M raw rows/s  ETA 2.70 s');
  });

  it('the plan', () => {
    expect(
      formatPlan([
        { machineId: 'a', days: ['2024-01-01', '2024-01-02'] },
        { machineId: 'b', days: ['2024-01-01'] },
        { machineId: 'c', days: [], note: 'no raw data on any mapped variable' },
      ]),
    ).toEqual([
      'a: 2 days (2024-01-01 .. 2024-01-02)',
      'b: 1 day (2024-01-01)',
      'c: nothing to run (no raw data on any mapped variable)',
    ]);
  });

  it('the summary lists totals, time shares, warnings and failures', () => {
    expect(formatSummary(summary)).toBe(
      [
        'done: 30 days on 1 machine',
        '  slices   149 ok, 1 failed',
        '  rows     8,012,345 read, 2,345 written',
        '  speed    1.82 M raw rows/s',
        '  elapsed  4.41 s',
        '  time     sensor-stats 25%, energy 75%',
        'warnings:',
        "  temperature: variable 'T' does not exist on machine 'press-07' (30 slices)",
        'failed (1):',
        '  press-07  energy  2024-01-03  Error: boom',
        '',
      ].join('\n'),
    );
    expect(formatSummary({ ...summary, interrupted: true, days: 4 })).toMatch(
      /^interrupted after 4 of 30 days/,
    );
  });
});

describe('createProgressPrinter', () => {
  const progress = { doneDays: 1, totalDays: 2, rowsRead: 10, rowsWritten: 1, elapsedMs: 100 };
  const capture = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { out: { write: (t: string) => chunks.push(t), isTTY, columns: 200 }, chunks };
  };

  it('prints a line per day when not on a terminal', () => {
    const { out, chunks } = capture(false);
    const printer = createProgressPrinter(out);
    printer.dayDone(day, progress);
    printer.end();
    expect(chunks).toEqual([`${formatDayLine(day, progress)}\n`]);
  });

  it('fits the bar to the terminal width, also when the terminal reports none', () => {
    for (const columns of [70, 0]) {
      const chunks: string[] = [];
      const printer = createProgressPrinter({ write: (t: string) => chunks.push(t), isTTY: true, columns });
      printer.dayDone({ ...day, slices: [day.slices[0]!] }, progress);
      expect(chunks[0]!.length).toBeLessThan(columns || 80);
      expect(chunks[0]).toMatch(/ETA \S+ m?s$/);
    }
  });

  it('redraws one bar on a terminal, printing failed days above it and clearing it at the end', () => {
    const { out, chunks } = capture(true);
    const printer = createProgressPrinter(out);
    const ok: DayOutcome = { ...day, slices: [day.slices[0]!] };
    printer.dayDone(ok, progress);
    printer.dayDone(day, { ...progress, doneDays: 2 });
    printer.end();
    expect(chunks[0]).toMatch(/^\[#+-*\] 1\/2 days/);
    expect(chunks[1]).toBe('\r\x1b[K');
    expect(chunks[2]).toMatch(/energy FAILED/);
    expect(chunks[3]).toMatch(/2\/2 days/);
    expect(chunks.at(-1)).toBe('\r\x1b[K');
    // The bar itself never ends a line, so the next redraw overwrites it.
    expect(chunks.filter((c) => c.includes('days')).every((c) => !c.endsWith('\n'))).toBe(true);
  });
});
