import { type Kysely, sql } from 'kysely';

// Failures that mean "nothing answers there yet": a server still starting (or its first-start
// initialisation, which refuses TCP), a container whose name does not resolve yet, a restart.
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
// 57P03 "the database system is starting up"; 57P01 a connection cut by a server shutting down (the
// image stops its initialisation server before starting the real one).
const startingStates = new Set(['57P01', '57P03']);
const startingMessages = /Connection terminated|connection timeout|timeout exceeded when trying to connect/i;

/**
 * True when `error` (or its cause, or one of an AggregateError's errors) says the database server
 * does not answer yet, as opposed to one that answers and refuses (bad password, no such database),
 * which no amount of waiting fixes.
 *
 * @example
 * isNotReachableYet(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' })); // true
 * isNotReachableYet(Object.assign(new Error('database "agg" does not exist'), { code: '3D000' })); // false
 */
export function isNotReachableYet(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (socketCodes.has(code) || startingStates.has(code))) return true;
  if (typeof code !== 'string' && startingMessages.test(error.message)) return true;
  if (error instanceof AggregateError && error.errors.some((e) => isNotReachableYet(e, depth + 1)))
    return true;
  return isNotReachableYet(error.cause, depth + 1);
}

/** The database did not answer within the time allowed. */
export class DatabaseWaitTimeoutError extends Error {
  override name = 'DatabaseWaitTimeoutError';
  constructor(
    readonly waitedMs: number,
    options: ErrorOptions,
  ) {
    super(`no answer within ${Math.round(waitedMs / 1000)} s`, options);
  }
}

export interface WaitForDatabaseOptions {
  /** How long to keep trying; 0 tries once. */
  timeoutMs: number;
  /** Pause between attempts. */
  intervalMs?: number;
  /** Called after each attempt that found the server not reachable yet (log it). */
  onWaiting?: (info: { error: unknown; elapsedMs: number; attempt: number }) => void;
}

/**
 * Resolves once the database answers a query; retries while it is not reachable yet (a database
 * container still starting next to its first client), for at most `timeoutMs`. Any other error
 * (authentication, a missing database) is thrown at once; running out of time throws
 * {@link DatabaseWaitTimeoutError} with the last error as its cause.
 *
 * @example
 * await waitForDatabase(agg, {
 *   timeoutMs: 60_000,
 *   onWaiting: ({ error }) => logger.info({ reason: String(error) }, 'waiting for the database'),
 * });
 */
export async function waitForDatabase<DB>(db: Kysely<DB>, options: WaitForDatabaseOptions): Promise<void> {
  const started = Date.now();
  const interval = options.intervalMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`select 1`.execute(db);
      return;
    } catch (error) {
      if (!isNotReachableYet(error)) throw error;
      const elapsedMs = Date.now() - started;
      if (elapsedMs + interval > options.timeoutMs) {
        if (options.timeoutMs <= 0) throw error;
        throw new DatabaseWaitTimeoutError(elapsedMs, { cause: error });
      }
      options.onWaiting?.({ error, elapsedMs, attempt });
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }
}
