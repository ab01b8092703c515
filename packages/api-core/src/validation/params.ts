import { z } from '@hono/zod-openapi';
import { dateProblem, daysInclusive, isCalendarDate, maxRangeDays } from '@mm/calendar';

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
      const problem = dateProblem(value);
      if (problem?.kind === 'format') {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a date in the format YYYY-MM-DD',
          params: { type: 'date_parsing' },
        });
      } else if (problem?.kind === 'calendar') {
        ctx.addIssue({
          code: 'custom',
          message: 'is not a calendar date',
          params: { type: 'date_from_datetime_inexact' },
        });
      } else if (problem) {
        ctx.addIssue({ code: 'custom', message: problem.message, params: { type: 'value_error' } });
      }
    })
    .openapi({ description, example: '2024-03-01', format: 'date' });
}

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

/**
 * A positive whole number in a query string (`page`, `page_size`), within `max`; absent is `undefined`
 * (the route picks the default, which may depend on the other parameters).
 *
 * @example
 * z.object({ page: positiveIntParam('Page, from 1.', 1_000_000) });
 */
export function positiveIntParam(description: string, max: number, example = 1) {
  return z
    .string()
    .superRefine((value, ctx) => {
      if (!/^\d{1,9}$/.test(value) || Number(value) < 1) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a whole number from 1',
          params: { type: 'int_parsing' },
        });
      } else if (Number(value) > max) {
        ctx.addIssue({
          code: 'custom',
          message: `must be at most ${max}`,
          params: { type: 'less_than_equal' },
        });
      }
    })
    .transform(Number)
    .optional()
    .openapi({ description, example: String(example), type: 'integer', minimum: 1, maximum: max });
}

/** Highest page number accepted (far beyond any plant; keeps the offset a small integer). */
export const maxPage = 1_000_000;

/**
 * `page` and `page_size` of the paged v2 endpoints.
 *
 * @example
 * z.object({ ...pageShape(500, 50) }); // or a sentence for a default that depends on other parameters
 */
export function pageShape(maxPageSize: number, defaultPageSize: number | string) {
  return {
    page: positiveIntParam(
      'Page number, from 1 (default 1). A page past the last is empty, not an error.',
      maxPage,
    ),
    page_size: positiveIntParam(
      `Machines per page, 1 to ${maxPageSize} (default: ${defaultPageSize}).`,
      maxPageSize,
      typeof defaultPageSize === 'number' ? defaultPageSize : 1,
    ),
  };
}
