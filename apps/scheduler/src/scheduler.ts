import type { Logger } from '@mm/config';
import { describeError } from '@mm/etl';
import { planQueueName } from '@mm/queue';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type PlanDeps, type PlanResult, planOnce } from './plan.ts';

export interface SchedulerOptions extends PlanDeps {
  /** A `producer` connection for the plan queue. */
  producer: Redis;
  /** A `worker` connection for the plan worker. */
  connection: Redis;
  everySeconds: number;
  logger: Logger;
  /** Called after each plan (tests, the demo's log). */
  onPlan?: (result: PlanResult) => void;
}

export interface Scheduler {
  close(): Promise<void>;
}

const schedulerId = 'plan';

/**
 * The scheduler of one deployment: a BullMQ job scheduler (`upsertJobScheduler`, one per deployment:
 * every replica upserts the same id, so there is one tick however many run) adds a plan job every
 * `everySeconds`, and this process's plan worker runs {@link planOnce} for it. The job scheduler is
 * upserted again every tick, so a Redis that lost everything gets it back and the next plan re-queues
 * what was lost.
 *
 * @example
 * const scheduler = await startScheduler({ ...planDeps, producer, connection, everySeconds: 300, logger });
 */
export async function startScheduler(options: SchedulerOptions): Promise<Scheduler> {
  const { prefix } = options.queues;
  const queue = new Queue(planQueueName, { connection: options.producer, prefix });
  queue.on('error', (error) => options.logger.warn({ error: error.message }, 'plan queue error'));
  const upsert = () =>
    queue.upsertJobScheduler(
      schedulerId,
      { every: options.everySeconds * 1000 },
      { name: 'plan', opts: { removeOnComplete: 50, removeOnFail: 50, attempts: 1 } },
    );
  await upsert();
  const refresh = setInterval(() => {
    upsert().catch((error) =>
      options.logger.warn({ error: describeError(error) }, 'cannot refresh the plan job scheduler'),
    );
  }, options.everySeconds * 1000);

  const worker = new Worker(
    planQueueName,
    async () => {
      const started = performance.now();
      const result = await planOnce(options);
      const durationMs = Math.round(performance.now() - started);
      if (result.skipped) options.logger.info('another plan is running: skipped');
      else options.logger.info({ ...result, durationMs }, 'planned');
      options.onPlan?.(result);
      return result;
    },
    { connection: options.connection, prefix, concurrency: 1 },
  );
  worker.on('error', (error) => options.logger.error({ error: error.message }, 'plan worker error'));
  worker.on('failed', (_job, error) => options.logger.error({ error: error.message }, 'plan failed'));

  return {
    async close() {
      clearInterval(refresh);
      await worker.close();
      await queue.close();
    },
  };
}
