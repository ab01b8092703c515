export { advisoryLockSlots, inProcessSlots, type MachineSlot, type MachineSlots } from './machine-slots.ts';
export { busyRetryDelayMs, slotRetryDelayMs, startQueueWorker } from './queue-worker.ts';
export { runWorker, workerConfigProblems } from './run-worker.ts';
export {
  defaultStalledIntervalMs,
  type EtlWorkers,
  type EtlWorkersOptions,
  startEtlWorkers,
} from './start-workers.ts';
export { createSliceProcessor, type SliceJobResult, type SliceProcessorDeps } from './worker.ts';
export { createWorkerMetrics, type JobOutcome, type WorkerMetrics } from './worker-metrics.ts';
export { type WorkerConfig, workerProcessEnv } from './worker-process-env.ts';
