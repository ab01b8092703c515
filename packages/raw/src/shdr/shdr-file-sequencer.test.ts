import { describe, expect, it } from 'vitest';
import { ShdrFileSequencer, type ShdrRow, type ShdrVariable } from './shdr-file-sequencer.ts';

const DAY = Date.UTC(2019, 5, 18);
const variables = new Map<string, ShdrVariable>([
  ['Xload', { id: 1, datatype: 'java.lang.Double' }],
  ['execution', { id: 2, datatype: 'java.lang.String' }],
  ['Xtravel', { id: 3, datatype: 'mtconnect.Condition' }],
]);
const isCondition = (key: string) => key === 'Xtravel';

/** Runs lines through a sequencer for 2019-06-18; `latest` is what the database already holds. */
function run(lines: string[], latest = new Map<number, number>()) {
  const rows: ShdrRow[] = [];
  const seq = new ShdrFileSequencer({
    dayStartMs: DAY,
    variables,
    latest,
    isCondition,
    emit: (r) => rows.push(r),
  });
  for (const line of lines) seq.readLine(line);
  return { rows, counts: seq.counts, latest };
}

const at = (time: string) => Date.parse(`2019-06-18T${time}Z`);

describe('ShdrFileSequencer', () => {
  it('imports the stale block as stamped when nothing later is known', () => {
    const { rows, counts } = run([
      '2019-06-14T13:00:22.900628Z|execution|UNAVAILABLE',
      '2019-06-18T10:13:09.870Z|execution|STOPPED',
    ]);
    expect(rows).toEqual([
      { idVar: 2, date: Date.parse('2019-06-14T13:00:22.900Z'), value: 'UNAVAILABLE' },
      { idVar: 2, date: at('10:13:09.870'), value: 'STOPPED' },
    ]);
    expect(counts).toMatchObject({ staleLines: 1, staleIgnored: 0, restamped: 0, rows: 2 });
  });

  it('ignores a stale reading dated before the latest reading already imported for its key', () => {
    // The previous day ended with an UNAVAILABLE re-stamped to 13:34:45.001; the agent's snapshot still
    // says 13:34:04.380 (as written). Equal-or-later stale readings are kept.
    const latest = new Map([
      [2, Date.parse('2019-06-17T13:34:45.001Z')],
      [1, Date.parse('2019-06-17T13:34:04.380Z')],
    ]);
    const { rows, counts } = run(
      ['2019-06-17T13:34:04.380320Z|execution|UNAVAILABLE', '2019-06-17T13:34:04.380320Z|Xload|UNAVAILABLE'],
      latest,
    );
    expect(rows.map((r) => r.idVar)).toEqual([1]);
    expect(counts).toMatchObject({ staleLines: 2, staleIgnored: 1 });
  });

  it('re-stamps lines written out of order 1 ms after the latest instant as written', () => {
    const { rows, counts } = run([
      '2019-06-18T14:07:53.100Z|Xload|5',
      '2019-06-18T14:08:30.000Z|Xload|7',
      '2019-06-18T14:08:30.000Z|execution|READY',
      // The disconnect block, stamped ~37 s earlier although written after.
      '2019-06-18T14:07:53.575308Z|execution|UNAVAILABLE',
      '2019-06-18T14:07:53.575308Z|Xtravel|Unavailable||||',
      '2019-06-18T14:07:53.575308Z|Xload|UNAVAILABLE',
      // In order again: the latest as written is still 14:08:30.000.
      '2019-06-18T14:08:30.000Z|Xtravel|Normal||||',
      '2019-06-18T14:09:00.000Z|execution|ACTIVE',
    ]);
    const restamp = at('14:08:30.001');
    expect(rows).toEqual([
      { idVar: 1, date: at('14:07:53.100'), value: 5 },
      { idVar: 1, date: at('14:08:30.000'), value: 7 },
      { idVar: 2, date: at('14:08:30.000'), value: 'READY' },
      { idVar: 2, date: restamp, value: 'UNAVAILABLE' },
      { idVar: 3, date: restamp, value: 'Unavailable||||' },
      { idVar: 1, date: restamp, value: Number.NaN },
      { idVar: 3, date: at('14:08:30.000'), value: 'Normal||||' },
      { idVar: 2, date: at('14:09:00.000'), value: 'ACTIVE' },
    ]);
    expect(counts.restamped).toBe(3);
  });

  it('compares instants truncated to the millisecond', () => {
    const { counts } = run(['2019-06-18T10:00:00.500900Z|Xload|1', '2019-06-18T10:00:00.500100Z|Xload|2']);
    expect(counts.restamped).toBe(0);
    expect(counts.duplicates).toBe(1);
  });

  it('ends the stale block at the first line of the day: later old stamps are re-stamped', () => {
    const { rows, counts } = run([
      '2019-06-14T13:00:22.900Z|execution|UNAVAILABLE',
      '2019-06-18T10:00:00.000Z|execution|READY',
      '2019-06-17T23:59:59.000Z|Xload|3',
    ]);
    expect(rows[2]).toEqual({ idVar: 1, date: at('10:00:00.001'), value: 3 });
    expect(counts).toMatchObject({ staleLines: 1, restamped: 1 });
  });

  it('keeps the first reading of a key at a millisecond', () => {
    const { rows, counts } = run([
      '2019-06-18T10:00:00.000Z|execution|READY',
      '2019-06-18T10:00:00.000Z|execution|ACTIVE',
      '2019-06-18T10:00:01.000Z|Xload|1',
      // Re-stamped onto 10:00:01.001, then a line really stamped there: the re-stamped one was read first.
      '2019-06-18T10:00:00.500Z|Xload|UNAVAILABLE',
      '2019-06-18T10:00:01.001Z|Xload|2',
    ]);
    expect(rows.map((r) => r.value)).toEqual(['READY', 1, Number.NaN]);
    expect(counts.duplicates).toBe(2);
  });

  it('skips and counts malformed lines and invalid readings, never throws', () => {
    const { rows, counts } = run([
      'garbage',
      '',
      '2019-06-18T10:00:00.000Z|Xload',
      '2019-06-18T10:00:00.000Z|Xload|n/a',
      '2019-06-18T10:00:00.000Z|Xload|12.5|execution|ACTIVE',
    ]);
    expect(rows).toEqual([
      { idVar: 1, date: at('10:00:00.000'), value: 12.5 },
      { idVar: 2, date: at('10:00:00.000'), value: 'ACTIVE' },
    ]);
    expect(counts).toMatchObject({ lines: 5, blank: 1, malformed: 2, invalid: 1, readings: 3, rows: 2 });
  });

  it('does not let a skipped line move the clock', () => {
    const { counts } = run(['2019-06-18T10:00:05.000Z|Xload', '2019-06-18T10:00:00.000Z|Xload|1']);
    expect(counts.restamped).toBe(0);
  });

  it('advances the latest reading per key as rows are accepted', () => {
    const { latest } = run(['2019-06-18T10:00:00.000Z|Xload|1', '2019-06-18T09:00:00.000Z|Xload|2']);
    expect(latest.get(1)).toBe(at('10:00:00.001'));
  });
});
