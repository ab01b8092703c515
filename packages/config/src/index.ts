export { adminPasswordMinLength, adminPasswordProblems } from './admin-password.ts';
export {
  type AppName,
  aggDatabaseEnv,
  appEnvs,
  type ConfigOf,
  composeEnv,
  connectionBudgetEnv,
  type EnvPart,
  envPart,
  envSchemaOf,
  logEnv,
  logLevelSchema,
  portSchema,
  queueJobsEnv,
  redisEnv,
  redisUrlSchema,
  sharedEnv,
  wholeNumber,
} from './env.ts';
export { ConfigError, type ConfigProblem, problemsFromZod } from './errors.ts';
export {
  type AppConfig,
  invocationDir,
  type LoadConfigOptions,
  type Loaded,
  loadConfig,
  loadEnvConfig,
  parseMachinesText,
  resolveDatabaseUrl,
} from './load-config.ts';
export {
  EX_CONFIG,
  formatConfigError,
  type LoadConfigOrExitOptions,
  loadConfigOrExit,
  orExit,
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
export { describeRedisError, describeRedisReply } from './redis-reply.ts';
export { closestKey, strictObject } from './strict-object.ts';
