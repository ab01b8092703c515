import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { loadQueueConfig } from './queue-env.ts';

describe('loadQueueConfig', () => {
  it('has defaults for everything', () => {
    expect(loadQueueConfig({})).toEqual({
      prefix: 'mm',
      jobPolicy: {
        attempts: 5,
        backoffDelayMs: 10_000,
        keepCompletedSeconds: 86_400,
        keepCompletedJobs: 10_000,
        keepFailedSeconds: 1_209_600,
      },
      workerConcurrency: 2,
      machineMaxJobs: 2,
      workerPort: 9100,
      drainTimeoutMs: 60_000,
      stalledIntervalMs: 30_000,
      sliceTimeoutMs: 120_000,
      planEverySeconds: 300,
      partialRefreshSeconds: 900,
      lateDataLookbackDays: 7,
      failedCooldownSeconds: 3600,
      planMaxBacklog: 2000,
      planRawConcurrency: 4,
      schedulerPort: 9101,
      connectionPlan: { workers: 1, workerConcurrency: 2, machineMaxJobs: 2, planConcurrency: 4 },
    });
  });

  it('reads the variables, an empty one counting as unset', () => {
    const config = loadQueueConfig({
      QUEUE_PREFIX: 'plant-b',
      WORKER_CONCURRENCY: '4',
      MACHINE_MAX_JOBS: '',
    });
    expect([config.prefix, config.workerConcurrency, config.machineMaxJobs]).toEqual(['plant-b', 4, 2]);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadQueueConfig({
        QUEUE_PREFIX: 'a:b',
        JOB_ATTEMPTS: '0',
        WORKER_PORT: 'http',
        MACHINE_MAX_JOBS: '1.5',
        SLICE_TIMEOUT_SECONDS: '0',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.path).sort()).toEqual([
      'JOB_ATTEMPTS',
      'MACHINE_MAX_JOBS',
      'QUEUE_PREFIX',
      'SLICE_TIMEOUT_SECONDS',
      'WORKER_PORT',
    ]);
  });
});
