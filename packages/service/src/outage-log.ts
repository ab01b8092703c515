import { describeRedisError, type Logger } from '@mm/config';

export interface OutageLog {
  /** Whether the dependency is down now. */
  readonly down: boolean;
  /** An error of the dependency: logged when it starts an outage, otherwise only counted. */
  error(error: Error): void;
  /** The dependency answers again: one line with how long the outage lasted and its errors. */
  recovered(): void;
  /** Stops the summary timer (at shutdown). */
  close(): void;
}

export interface OutageLogOptions {
  logger: Logger;
  /** How often a summary line is logged while the outage lasts. */
  summaryEveryMs?: number;
}

/**
 * The log of one dependency's outages. A client that reconnects every few hundred milliseconds, and
 * every queue and worker on it, each report the same outage several times a second; the operator
 * needs three facts: when it started (and why), that it still lasts, and when it ended. So: one `warn`
 * at the first error, a summary `warn` every `summaryEveryMs` with the errors counted since, one
 * `info` at recovery.
 *
 * @example
 * const outage = outageLog('Redis', { logger });
 * redis.on('error', (e) => outage.error(e));
 * redis.on('ready', () => outage.recovered());
 */
export function outageLog(what: string, options: OutageLogOptions): OutageLog {
  const summaryEveryMs = options.summaryEveryMs ?? 60_000;
  let since = 0;
  let errors = 0;
  let lastError = '';
  let timer: NodeJS.Timeout | undefined;
  const stopTimer = () => {
    clearInterval(timer);
    timer = undefined;
  };
  return {
    get down() {
      return since !== 0;
    },
    error(error) {
      lastError = describeRedisError(error);
      errors += 1;
      if (since !== 0) return;
      since = Date.now();
      options.logger.warn({ error: lastError }, `${what} is unavailable: waiting for it`);
      timer = setInterval(() => {
        options.logger.warn(
          { error: lastError, errors, downSeconds: Math.round((Date.now() - since) / 1000) },
          `${what} is still unavailable`,
        );
      }, summaryEveryMs);
      timer.unref();
    },
    recovered() {
      if (since === 0) return;
      options.logger.info(
        { errors, downSeconds: Math.round((Date.now() - since) / 100) / 10 },
        `${what} is available again`,
      );
      since = 0;
      errors = 0;
      stopTimer();
    },
    close: stopTimer,
  };
}
