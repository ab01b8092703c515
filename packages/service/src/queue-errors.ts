import type { Logger } from '@mm/config';
import type { OutageLog } from './outage-log.ts';

// A connection-level failure, whatever client saw it: BullMQ duplicates the connection for its
// blocking reads, so its errors arrive while the connection it was given may already be back.
const connectionFailure =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|Connection is closed|Stream isn't writeable|connect ETIMEDOUT|Command timed out|LOADING/i;
// BullMQ's words when a job's keys or lock vanished under a worker that just finished it: a Redis
// that lost its data (FLUSHALL, a restart without persistence) or hung past the lock's lifetime.
const vanishedJob = /Missing (key|lock) for job/i;

/**
 * Sorts the `error` events of BullMQ queues and workers: connection failures go to the outage log
 * (one line at start and end, not one per reconnection); a job whose keys vanished is a `warn`, once a
 * minute at most, since its slice is written and in the run ledger (the next plan re-queues what the
 * ledger lacks); only what is left is an `error`.
 *
 * @example
 * worker.on('error', queueErrorLogger({ logger, redis, outage }));
 */
export function queueErrorLogger(options: {
  logger: Logger;
  /** The connection the queues use: while it is not `ready`, every error is the outage's. */
  redis: { readonly status: string };
  outage: OutageLog;
  /** At most one "job's keys vanished" line this often. */
  vanishedEveryMs?: number;
}): (error: Error, queue?: string) => void {
  const everyMs = options.vanishedEveryMs ?? 60_000;
  let lastVanished = 0;
  let vanishedSince = 0;
  return (error, queue) => {
    if (options.redis.status !== 'ready' || connectionFailure.test(error.message)) {
      options.outage.error(error);
      return;
    }
    if (vanishedJob.test(error.message)) {
      vanishedSince += 1;
      const now = Date.now();
      if (now - lastVanished < everyMs) return;
      options.logger.warn(
        { queue, jobs: vanishedSince, error: error.message },
        "a finished job's Redis keys are gone (Redis lost its data or hung): its slice is written; the next plan re-queues whatever the run ledger lacks",
      );
      lastVanished = now;
      vanishedSince = 0;
      return;
    }
    options.logger.error({ queue, error: error.message }, 'queue error');
  };
}
