import type { Logger } from '@mm/config';
import { describeError } from '@mm/etl';
import { planQueueName } from '@mm/queue';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type PlanDeps, type PlanResult, planOnce } from './plan.ts';
import type { SchedulerMetrics } from './scheduler-metrics.ts';

export interface SchedulerOptions extends PlanDeps {
  /** A `producer` connection for the plan queue. */
  producer: Redis;
  /** A `worker` connection for the plan worker. */
  connection: Redis;
  everySeconds: number;
  logger: Logger;
  metrics?: SchedulerMetrics;
  /** Called after each plan (tests, the demo's log). */
  onPlan?: (result: PlanResult) => void;
  /**
   * `error` events of the plan queue and worker (`@mm/service`'s `queueErrorLogger` tells outages
   * from real errors); logged at `error` unless given.
   */
  onError?: (error: Error, queue: string) => void;
}

export interface Scheduler {
  /** Whether the plan worker is running (for `/healthz`). */
  running(): boolean;
  close(): Promise<void>;
}

const schedulerId = 'plan';

/**
 * The scheduler of one deployment: a BullMQ job scheduler (`upsertJobScheduler`, one per deployment:
 * every replica upserts the same id, so there is one tick however many run) adds a plan job every
 * `everySeconds`, and this process's plan worker runs {@link planOnce} for it. It also plans at once
 * when it starts (an existing job scheduler would otherwise wait for its next tick, up to
 * `everySeconds` after a restart). The job scheduler is upserted again every tick, so a Redis that
 * lost everything gets it back and the next plan re-queues what was lost.
 *
 * @example
 * const scheduler = await startScheduler({ ...planDeps, producer, connection, everySeconds: 300, logger });
 */
export async function startScheduler(options: SchedulerOptions): Promise<Scheduler> {
  const { prefix } = options.queues;
  const queue = new Queue(planQueueName, { connection: options.producer, prefix });
  const onError =
    options.onError ??
    ((error: Error, name: string) =>
      options.logger.error({ queue: name, error: error.message }, 'queue error'));
  queue.on('error', (error) => onError(error, planQueueName));
  const planOptions = { removeOnComplete: 50, removeOnFail: 50, attempts: 1 };
  const upsert = () =>
    queue.upsertJobScheduler(
      schedulerId,
      { every: options.everySeconds * 1000 },
      { name: 'plan', opts: planOptions },
    );
  // A new `every` job scheduler's first job runs at once (BullMQ); one that survived a restart keeps
  // its next tick where it was, so only then is a plan added now. Adding it always planned twice at
  // the first start.
  const existed = (await queue.getJobScheduler(schedulerId)) !== undefined;
  await upsert();
  if (existed) await queue.add('plan', {}, planOptions);
  const refresh = setInterval(() => {
    upsert().catch((error) =>
      options.logger.warn({ error: describeError(error) }, 'cannot refresh the plan job scheduler'),
    );
  }, options.everySeconds * 1000);

  const worker = new Worker(
    planQueueName,
    async () => {
      const started = performance.now();
      let result: PlanResult;
      try {
        result = await planOnce(options);
      } catch (error) {
        options.metrics?.planFailed((performance.now() - started) / 1000);
        throw error;
      }
      options.metrics?.planned(result);
      if (result.skipped) options.logger.info('another plan is running: skipped');
      else {
        const { failedMachines, ...rest } = result;
        options.logger.info(
          { ...rest, machines: options.machines.length, failedMachines: failedMachines.length },
          'planned',
        );
      }
      options.onPlan?.(result);
      return result;
    },
    { connection: options.connection, prefix, concurrency: 1 },
  );
  worker.on('error', (error) => onError(error, planQueueName));
  worker.on('failed', (_job, error) => options.logger.error({ error: error.message }, 'plan failed'));

  return {
    running: () => worker.isRunning(),
    async close() {
      clearInterval(refresh);
      await worker.close();
      await queue.close();
    },
  };
}
