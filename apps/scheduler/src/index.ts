export {
  advisoryPlanLock,
  inProcessPlanLock,
  type PlanDeps,
  type PlanLock,
  type PlanResult,
  planOnce,
} from './plan.ts';
export { type Scheduler, type SchedulerOptions, startScheduler } from './scheduler.ts';
