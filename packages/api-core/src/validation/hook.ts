import type { Hook } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import type { ValidationIssue } from '../errors.ts';

const typeByCode: Record<string, string> = {
  too_big: 'string_too_long',
  too_small: 'string_too_short',
  invalid_format: 'string_pattern_mismatch',
  invalid_type: 'type_error',
  invalid_value: 'enum',
  custom: 'value_error',
};

/**
 * Turns a zod error on a request part into docs/api.md's `detail` list. A parameter that is absent is
 * `missing` and one given more than once is `repeated`, whatever zod said about the resulting
 * `undefined` or array; other issues keep their message and the `type` the schema attached.
 *
 * @example
 * validationDetail(error, 'query', (name) => c.req.queries(name)?.length ?? 0);
 */
export function validationDetail(
  error: z.ZodError,
  target: string,
  countOf: (name: string) => number,
): ValidationIssue[] {
  const seen = new Set<string>();
  const detail: ValidationIssue[] = [];
  for (const issue of error.issues) {
    const name = issue.path[0];
    const count = typeof name === 'string' ? countOf(name) : 1;
    let entry: ValidationIssue;
    const loc: ValidationIssue['loc'] = [
      target,
      ...issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
    ];
    if (count === 0) entry = { loc, msg: 'Field required', type: 'missing' };
    else if (count > 1) entry = { loc, msg: 'must be given once, not repeated', type: 'repeated' };
    else {
      const params = (issue as { params?: { type?: unknown } }).params;
      const type = typeof params?.type === 'string' ? params.type : (typeByCode[issue.code] ?? 'value_error');
      entry = { loc, msg: issue.message, type };
    }
    // A repeated or missing parameter can fail several checks: report it once.
    const key = `${entry.loc.join('.')}|${entry.type}`;
    if (seen.has(key)) continue;
    seen.add(key);
    detail.push(entry);
  }
  return detail;
}

/** The `defaultHook` of every route: a failed validation answers 422 in docs/api.md's shape. */
export const validationHook: Hook<unknown, AppEnv, string, Response | undefined> = (result, c) => {
  if (result.success) return undefined;
  const context = c as Context<AppEnv>;
  const detail = validationDetail(result.error, result.target === 'json' ? 'body' : result.target, (name) => {
    if (result.target === 'query') return context.req.queries(name)?.length ?? 0;
    const data: unknown = (result as { data?: unknown }).data;
    if (result.target === 'json') return typeof data === 'object' && data !== null && name in data ? 1 : 0;
    return 1;
  });
  return context.json({ detail }, 422);
};
