export {
  type CreateDbOptions,
  createDb,
  type DbTarget,
  keepaliveSettings,
  openDb,
  parseDbUrl,
  type SessionLimits,
  sessionOptions,
} from './create-db.ts';
export { migrateToLatest } from './migrate.ts';
export {
  assertMigrated,
  type MigrationState,
  migrationState,
  NOT_MIGRATED_MESSAGE,
  NotMigratedError,
} from './migration-state.ts';
export { migrations } from './migrations/index.ts';
export {
  defaultPgliteTemplateDir,
  forgetPgliteTemplates,
  type PgliteTemplate,
  type PgliteTemplateSource,
  pgliteTemplate,
  pgliteTemplateFileName,
} from './pglite-template.ts';
export {
  API_RAW_CONNECTIONS,
  connectionBudgetProblem,
  type RawConnectionPlan,
  rawConnectionBudget,
  type ServerBudget,
} from './raw-connection-budget.ts';
export {
  type FloatDatatype,
  floatDatatypes,
  type LogTable,
  logTableOf,
  type StringDatatype,
} from './raw-datatypes.ts';
export {
  type PoolStats,
  RawPools,
  type RawPoolsOptions,
  rawDatabaseLabel,
  rawServerLabel,
  type ServerLimits,
} from './raw-pools.ts';
export { createRawSchema, RAW_SCHEMA_FILE, rawSchemaSql } from './raw-schema.ts';
export * from './types.ts';
export {
  DatabaseWaitTimeoutError,
  isNotReachableYet,
  type WaitForDatabaseOptions,
  waitForDatabase,
} from './wait-for-database.ts';
