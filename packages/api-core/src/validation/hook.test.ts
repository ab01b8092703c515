import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { validationDetail } from './hook.ts';
import { dateParam, machineParam } from './params.ts';

const schema = z.object({ target_date: dateParam('day'), machine: machineParam });

function detail(input: Record<string, unknown>, counts: Record<string, number>) {
  const result = schema.safeParse(input);
  if (result.success) return [];
  return validationDetail(result.error, 'query', (name) => counts[name] ?? 0);
}

describe('validationDetail', () => {
  it('reports a missing parameter as missing', () => {
    expect(detail({}, {})).toEqual([
      { loc: ['query', 'target_date'], msg: 'Field required', type: 'missing' },
    ]);
  });

  it('reports a repeated parameter once, as repeated', () => {
    expect(detail({ target_date: ['2024-01-01', '2024-01-02'] }, { target_date: 2 })).toEqual([
      { loc: ['query', 'target_date'], msg: 'must be given once, not repeated', type: 'repeated' },
    ]);
  });

  it('keeps the schema’s message and type otherwise', () => {
    expect(
      detail({ target_date: '2024-02-30', machine: 'm'.repeat(101) }, { target_date: 1, machine: 1 }),
    ).toEqual([
      { loc: ['query', 'target_date'], msg: 'is not a calendar date', type: 'date_from_datetime_inexact' },
      { loc: ['query', 'machine'], msg: 'must be at most 100 characters', type: 'string_too_long' },
    ]);
  });

  it('refuses a date outside the supported years, naming the range', () => {
    for (const target_date of ['1969-12-31', '2100-01-01', '9999-12-31']) {
      expect(detail({ target_date }, { target_date: 1 })).toEqual([
        {
          loc: ['query', 'target_date'],
          msg: 'is outside the supported dates 1970-01-01 to 2099-12-31',
          type: 'value_error',
        },
      ]);
    }
  });
});
