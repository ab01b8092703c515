export {
  type BackfillDeps,
  type BackfillRequest,
  type BackfillSummary,
  backfill,
  type DayOutcome,
  type MachinePlan,
  type Progress,
  type ProgressSink,
} from './cli/backfill.ts';
export {
  type DataSpan,
  dataSpan,
  type RecordedSpan,
  readDataSpans,
  recordDataSpans,
} from './data-span.ts';
export { type DayWindow, daysBetween, dayWindow, InvalidDayError, localDay, parseDay } from './day-window.ts';
export {
  type CellStatus,
  cellStatusesWorstFirst,
  cellStatusSql,
  classifyRun,
  type DuePolicy,
  type DueReason,
  type DueSlice,
  defaultStaleRules,
  type LedgerRun,
  type MachineDays,
  machineDays,
  type PlanDueInput,
  type PlanDueResult,
  planDueSlices,
  type StaleRules,
  sortNewestFirst,
  worstStatus,
} from './due-slices.ts';
export {
  describeError,
  EtlRunError,
  PermanentEtlError,
  SliceBusyError,
  SupersededRunError,
} from './errors.ts';
export {
  defineEtl,
  type EtlDefinition,
  type EtlDefinitionOf,
  type EtlId,
  type ExtractContext,
  type ExtractResult,
  type ExtractResultOf,
  etlIds,
  isEtlId,
} from './etl.ts';
export { computeHorizon } from './horizon.ts';
export { type MachineState, stateOfReading } from './machine-activity/index.ts';
export { rawChangeCounter } from './raw-changes.ts';
export {
  defaultLateDataLookbackDays,
  lateWindowStart,
  type RawFingerprint,
  rawFingerprints,
} from './raw-fingerprint.ts';
export { etlTables, getEtl, registry } from './registry.ts';
export { resolveRoles } from './roles.ts';
export {
  defaultSliceLockWaitMs,
  type RunEtlInput,
  type RunEtlResult,
  type RunEtlsInput,
  runEtl,
  runEtls,
  type SliceRun,
} from './runner.ts';
export { SignalCatalog } from './signal-catalog.ts';
export type { SliceRow, SliceTableName } from './slice-tables.ts';
