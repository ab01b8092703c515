export { schedulerEnv } from './env.ts';
