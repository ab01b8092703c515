import { runScheduler } from '@mm/scheduler-core';
import { startService } from '@mm/service';
import { schedulerEnv } from './env.ts';

// The scheduler process: its environment, then the scheduler's wiring (`@mm/scheduler-core`'s
// `runScheduler`) on the service skeleton, which refuses a bad configuration, stops on SIGTERM /
// SIGINT and closes everything.
await runScheduler(startService({ app: 'scheduler', env: schedulerEnv }));
