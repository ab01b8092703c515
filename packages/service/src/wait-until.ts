import type { Logger } from '@mm/config';

export interface WaitUntilOptions {
  logger: Logger;
  /** Pause between attempts. */
  retryMs?: number;
  /** How often a "still waiting" line is logged while the dependency does not answer. */
  reportEveryMs?: number;
  /**
   * Errors that waiting cannot fix (a refused password, a Redis that may evict keys): they are thrown
   * at once instead of retried.
   */
  permanent?: (error: unknown) => boolean;
  /** Resolves early, throwing {@link WaitAbortedError}, when the process is told to stop. */
  signal?: AbortSignal;
}

/** The wait was given up because the process is stopping. */
export class WaitAbortedError extends Error {
  override name = 'WaitAbortedError';
}

/**
 * Calls `attempt` until it resolves, for as long as it takes: a dependency that is down at start
 * (Redis restarting, a database still initialising) is waited for, never a reason to exit, since a
 * container restart would only wait again. One line when the wait starts, one "still waiting" line
 * every `reportEveryMs`, one when it answers: never a line per attempt.
 *
 * @example
 * await waitUntil('Redis', () => redisReady(redis, 5_000), { logger });
 */
export async function waitUntil(
  what: string,
  attempt: () => Promise<unknown>,
  options: WaitUntilOptions,
): Promise<void> {
  const retryMs = options.retryMs ?? 1_000;
  const reportEveryMs = options.reportEveryMs ?? 10_000;
  const started = Date.now();
  let lastReport = 0;
  let attempts = 0;
  for (;;) {
    if (options.signal?.aborted) throw new WaitAbortedError(`stopped while waiting for ${what}`);
    try {
      await attempt();
      if (attempts > 0) {
        options.logger.info(
          { waitedSeconds: seconds(Date.now() - started), attempts: attempts + 1 },
          `${what} answers`,
        );
      }
      return;
    } catch (error) {
      if (options.permanent?.(error)) throw error;
      attempts += 1;
      const now = Date.now();
      if (attempts === 1) {
        options.logger.warn({ error: describe(error) }, `waiting for ${what}`);
        lastReport = now;
      } else if (now - lastReport >= reportEveryMs) {
        options.logger.warn(
          { error: describe(error), waitedSeconds: seconds(now - started), attempts },
          `still waiting for ${what}`,
        );
        lastReport = now;
      }
    }
    await sleep(retryMs, options.signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
