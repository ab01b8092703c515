export {
  advisoryPlanLock,
  inProcessPlanLock,
  type PlanDeps,
  type PlanLock,
  type PlanResult,
  planOnce,
  tierOf,
} from './plan.ts';
export { runScheduler } from './run-scheduler.ts';
export { type Scheduler, type SchedulerOptions, startScheduler } from './scheduler.ts';
export { createSchedulerMetrics, type SchedulerMetrics } from './scheduler-metrics.ts';
export { type SchedulerConfig, schedulerProcessEnv } from './scheduler-process-env.ts';
