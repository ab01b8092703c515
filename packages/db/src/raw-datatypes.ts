/**
 * Which raw log a variable writes to, from its `datatype` (DOMAIN §1): the numeric Java types log
 * to `variable_log_float`, anything else (`java.lang.String`, `mtconnect.Condition`, …) to
 * `variable_log_string`. The one definition the ETLs, the builder, the simulator and the SHDR
 * importer share.
 */
export const floatDatatypes = [
  'java.lang.Integer',
  'java.lang.Short',
  'java.lang.Long',
  'java.lang.Double',
  'java.lang.Float',
  'java.lang.Boolean',
] as const;

export type FloatDatatype = (typeof floatDatatypes)[number];
export type StringDatatype = 'java.lang.String' | 'mtconnect.Condition';
export type LogTable = 'variable_log_float' | 'variable_log_string';

const floatSet: ReadonlySet<string> = new Set(floatDatatypes);

/**
 * @example
 * logTableOf('java.lang.Integer'); // 'variable_log_float'
 * logTableOf('mtconnect.Condition'); // 'variable_log_string'
 */
export function logTableOf(datatype: string): LogTable {
  return floatSet.has(datatype.trim()) ? 'variable_log_float' : 'variable_log_string';
}
