// The raw (logger) side: test-data builder, plant simulator, SHDR importer.

// The datatype -> log table rule lives in @mm/db (DOMAIN §1); re-exported for the builder's users.
export {
  type FloatDatatype,
  floatDatatypes,
  type LogTable,
  logTableOf,
  type StringDatatype,
} from '@mm/db';
export {
  type FloatValue,
  type Instant,
  type LoggerVariables,
  parseInstant,
  RawBuilder,
  RawBuilderError,
  type RawBuilderOptions,
  type RawValue,
  RawVariable,
  type RawWriteResult,
  rawBuilder,
  type StringValue,
} from './builder.ts';
export { insertLogRows, type LogColumns } from './log-rows.ts';
export * from './shdr/index.ts';
export * from './simulator/index.ts';
