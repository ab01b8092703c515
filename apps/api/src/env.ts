import { apiServerEnv } from '@mm/api-core';
import { composeEnv, queueJobsEnv, sharedEnv } from '@mm/config';

/**
 * Every variable the API reads: the shared parts (aggregation database, machines file, log level,
 * queue prefix and job options, which re-queued jobs use too) and the HTTP server's own
 * (`@mm/api-core`'s `apiServerEnv`, each default there).
 */
export const apiEnv = composeEnv(sharedEnv, apiServerEnv, queueJobsEnv);
