import { runApi } from '@mm/api-core';
import { startService } from '@mm/service';
import packageJson from '../package.json' with { type: 'json' };
import { apiEnv } from './env.ts';

// The API process: its environment, then the API's wiring (`@mm/api-core`'s `runApi`) on the service
// skeleton, which refuses a bad configuration, drains on SIGTERM / SIGINT and closes everything.
runApi(startService({ app: 'api', env: apiEnv }), { version: packageJson.version });
