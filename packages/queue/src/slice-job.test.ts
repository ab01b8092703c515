import { describe, expect, it } from 'vitest';
import { InvalidSliceJobError, parseSliceJob, parseSliceJobId, sliceJobId } from './slice-job.ts';

describe('slice job ids', () => {
  it('are <machine>__<etl>__<day> and parse back', () => {
    const slice = { machine: 'press-07', etl: 'energy', day: '2026-03-29' } as const;
    expect(sliceJobId(slice)).toBe('press-07__energy__2026-03-29');
    expect(parseSliceJobId('press-07__energy__2026-03-29')).toEqual(slice);
  });

  it('refuse machine ids that could make an id ambiguous or unacceptable to BullMQ', () => {
    for (const machine of ['a__b', 'a:b', 'Press', 'a--b', '-a', '', '12 3']) {
      expect(() => sliceJobId({ machine, etl: 'energy', day: '2026-03-29' } as never)).toThrow(
        InvalidSliceJobError,
      );
    }
  });

  it('are never integer-like and never hold a colon', () => {
    const id = sliceJobId({ machine: '42', etl: 'alerts', day: '2026-01-01' });
    expect(id).toBe('42__alerts__2026-01-01');
    expect(Number.isInteger(Number(id))).toBe(false);
    expect(id).not.toContain(':');
  });

  it('name every problem of a bad payload', () => {
    expect(() => parseSliceJob({ machine: 'X', etl: 'nope', day: '2026-02-30' })).toThrow(
      /machine .*; etl must be one of .*; day is not a valid date \(2026-02 has 28 days\)/,
    );
    expect(() => parseSliceJob({ machine: 'm', etl: 'energy', day: '2026-01-01', extra: 1 })).toThrow(
      InvalidSliceJobError,
    );
  });

  it('refuse days outside the supported dates, in payloads and in ids', () => {
    for (const day of ['0001-01-01', '1969-12-31', '2100-01-01', '9999-12-31']) {
      expect(() => parseSliceJob({ machine: 'm', etl: 'energy', day })).toThrow(
        'invalid slice job: day is outside the supported dates 1970-01-01 to 2099-12-31',
      );
      expect(parseSliceJobId(`m__energy__${day}`)).toBeNull();
    }
    expect(parseSliceJob({ machine: 'm', etl: 'energy', day: '1970-01-01' }).day).toBe('1970-01-01');
  });

  it('parse only ids of valid slices', () => {
    expect(parseSliceJobId('m__energy')).toBeNull();
    expect(parseSliceJobId('m__nope__2026-01-01')).toBeNull();
    expect(parseSliceJobId('a__b__energy__2026-01-01')).toBeNull();
  });
});
