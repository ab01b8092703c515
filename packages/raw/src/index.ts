// The raw (logger) side: test-data builder, plant simulator, SHDR importer.

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
export {
  type FloatDatatype,
  floatDatatypes,
  type LogTable,
  logTableOf,
  type StringDatatype,
} from './datatypes.ts';
export { insertLogRows, type LogColumns } from './log-rows.ts';
export * from './shdr/index.ts';
export * from './simulator/index.ts';
