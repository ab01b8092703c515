import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * An error whose message is meant for the caller: the route chose the status and the wording
 * (`Unknown machine 'x'`). Anything else that escapes a route is a 500 with a generic message.
 *
 * @example
 * throw new ApiError(404, `Unknown machine '${id}'`);
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A dependency (a database, Redis) could not be reached: the request is answered 503 naming it.
 *
 * @example
 * throw new DependencyUnavailableError(`raw database of machine 'press-07'`, { cause: error });
 */
export class DependencyUnavailableError extends Error {
  override name = 'DependencyUnavailableError';
  constructor(
    readonly dependency: string,
    options?: ErrorOptions,
  ) {
    super(`${dependency} is unavailable`, options);
  }
}

// Socket-level failures (Node) and SQLSTATEs that mean "no usable connection", not "bad query":
// class 08 (connection exception), 57P01-57P03 (shutting down / not accepting connections),
// 53300 (too many connections), 3D000 (no such database), 28xxx (authentication).
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
]);
const sqlStates = /^(08...|57P0[123]|53300|3D000|28...)$/;
const messages =
  /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error/i;

/**
 * True when `error` (or its cause, or one of an AggregateError's errors) says the database could
 * not be reached, as opposed to a query that failed on a working connection.
 *
 * @example
 * isConnectionError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })); // true
 */
export function isConnectionError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (socketCodes.has(code) || sqlStates.test(code))) return true;
  if (messages.test(error.message)) return true;
  if (error instanceof AggregateError && error.errors.some((e) => isConnectionError(e, depth + 1)))
    return true;
  return isConnectionError(error.cause, depth + 1);
}

/** One entry of docs/api.md's 422 body. */
export interface ValidationIssue {
  loc: [string, ...(string | number)[]];
  msg: string;
  type: string;
}

/**
 * A check that zod cannot express alone (it needs the machine's time zone) failed: answered 422 in
 * the same shape as schema validation.
 *
 * @example
 * throw new RequestValidationError([{ loc: ['query', 'end'], msg: 'the window is longer than 7 days', type: 'value_error' }]);
 */
export class RequestValidationError extends Error {
  override name = 'RequestValidationError';
  constructor(readonly detail: ValidationIssue[]) {
    super(detail.map((d) => `${d.loc.join('.')}: ${d.msg}`).join('; '));
  }
}
