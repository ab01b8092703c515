import { startService } from '@mm/service';
import { runWorker, workerConfigProblems } from '@mm/worker-core';
import { workerEnv } from './env.ts';

// The worker process: its environment, then the worker's wiring (`@mm/worker-core`'s `runWorker`) on
// the service skeleton, which refuses a bad configuration, drains on SIGTERM / SIGINT and closes
// everything.
await runWorker(startService({ app: 'worker', env: workerEnv, check: workerConfigProblems }));
