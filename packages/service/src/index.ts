export { type OutageLog, type OutageLogOptions, outageLog } from './outage-log.ts';
export { queueErrorLogger } from './queue-errors.ts';
export { redisAnswerTimeoutMs, redisUsable } from './redis-usable.ts';
export {
  EX_CONFIG,
  EXIT_FAILED,
  EXIT_STOPPED,
  Service,
  type ServiceOptions,
  startService,
} from './service.ts';
export { WaitAbortedError, type WaitUntilOptions, waitUntil } from './wait-until.ts';
