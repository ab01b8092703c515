export { adminPasswordMinLength, adminPasswordProblems } from './admin-password.ts';
export { type Env, envSchema } from './env.ts';
export { ConfigError, type ConfigProblem, problemsFromZod } from './errors.ts';
export { type Config, loadConfig, parseMachinesText } from './load-config.ts';
export {
  EX_CONFIG,
  formatConfigError,
  type LoadConfigOrExitOptions,
  loadConfigOrExit,
} from './load-config-or-exit.ts';
export { createLogger, type Logger, redactPaths, redactUrl } from './logger.ts';
export {
  databaseUrlSchema,
  type Machine,
  type MachinesFile,
  machineSchema,
  machinesFileSchema,
  resolveMachines,
} from './machines.ts';
export * from './profiles.ts';
export {
  loadQueueAppConfigOrExit,
  loadQueueConfig,
  type QueueConfig,
  type QueueEnv,
  queueEnvSchema,
} from './queue-env.ts';
