import { z } from '@hono/zod-openapi';
import { daysInclusive, isCalendarDate } from '../time/local-date.ts';

// Query parameter schemas shared by the routes. Each issue carries a `type` (in `params`) that the
// validation hook reports in docs/api.md's 422 body; messages never repeat the (possibly huge) input.

/** Longest machine id or sensor name looked up (longer is a 422, not a 10 kB echo in a 404). */
export const maxNameLength = 100;

/** The optional `machine` parameter of every endpoint. */
export const machineParam = z
  .string()
  .max(maxNameLength, `must be at most ${maxNameLength} characters`)
  .optional()
  .openapi({
    description: 'A configured machine id; the first configured machine when absent.',
    example: 'press-07',
  });

/** A `YYYY-MM-DD` calendar date (a machine's local day). */
export function dateParam(description: string) {
  return z
    .string()
    .superRefine((value, ctx) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a date in the format YYYY-MM-DD',
          params: { type: 'date_parsing' },
        });
      } else if (!isCalendarDate(value)) {
        ctx.addIssue({
          code: 'custom',
          message: 'is not a calendar date',
          params: { type: 'date_from_datetime_inexact' },
        });
      }
    })
    .openapi({ description, example: '2024-03-01', format: 'date' });
}

/** Longest `from`..`to` range of the range endpoints, both days included. */
export const maxRangeDays = 366;

/** `from` and `to` (both included) plus `machine`, for the range endpoints' query objects. */
export const dateRangeShape = {
  from: dateParam('First day, included.'),
  to: dateParam(`Last day, included; at most ${maxRangeDays} days from \`from\`.`),
  machine: machineParam,
};

/**
 * The object-level check of a range query: `to` not before `from`, at most {@link maxRangeDays} days.
 *
 * @example
 * z.object({ ...dateRangeShape }).superRefine(checkDateRange);
 */
export function checkDateRange(q: { from: string; to: string }, ctx: z.RefinementCtx): void {
  if (!isCalendarDate(q.from) || !isCalendarDate(q.to)) return;
  const days = daysInclusive(q.from, q.to);
  if (days < 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: 'must not be before from',
      params: { type: 'value_error' },
    });
  } else if (days > maxRangeDays) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `the range is longer than ${maxRangeDays} days`,
      params: { type: 'value_error' },
    });
  }
}
