export { workerEnv } from './env.ts';
