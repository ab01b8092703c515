export { type EnqueueCliIo, runEnqueueCli } from './cli/enqueue-cli.ts';
export { type EnqueueOptions, type EnqueueOutcome, type EnqueueResult, enqueue } from './enqueue.ts';
export { createEtlQueues, type EtlQueues, type EtlQueuesOptions } from './etl-queues.ts';
export { assertNoEviction, RedisEvictionPolicyError, readEvictionPolicy } from './eviction-policy.ts';
export { defaultSliceJobPolicy, type SliceJobPolicy, sliceJobOptions } from './job-options.ts';
export { createOpsServer, type MetricsSource } from './ops-server.ts';
export { defaultQueuePrefix, etlQueueName, planQueueName } from './queue-names.ts';
export {
  type Readiness,
  type ReadinessCheck,
  type ReadinessOptions,
  type ReadinessState,
  redisCheck,
  startReadiness,
} from './readiness.ts';
export { createRedis, type RedisRole, redisReady } from './redis-connection.ts';
export {
  InvalidSliceJobError,
  parseSliceJob,
  parseSliceJobId,
  type SliceJob,
  sliceJobId,
  sliceJobSchema,
} from './slice-job.ts';
export { type SliceTier, slicePriority } from './slice-priority.ts';
