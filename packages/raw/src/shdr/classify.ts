import { logTableOf } from '@mm/db';
import type { DataItemInfo } from './devices-xml.ts';
import type { ShdrToken } from './shdr-line.ts';

/** The raw schema's datatypes for MTConnect categories (DOMAIN §7). */
export const SHDR_DATATYPES = {
  SAMPLE: 'java.lang.Double',
  EVENT: 'java.lang.String',
  CONDITION: 'mtconnect.Condition',
} as const;

export type ShdrDatatype = (typeof SHDR_DATATYPES)[keyof typeof SHDR_DATATYPES];

/** True when a variable of this datatype logs to `variable_log_float` (DOMAIN §1). */
export function isFloatDatatype(datatype: string): boolean {
  return logTableOf(datatype) === 'variable_log_float';
}

/** The datatype of a key Devices.xml describes; `undefined` for a category outside the three. */
export function datatypeOfCategory(item: DataItemInfo): ShdrDatatype | undefined {
  const category = item.category as keyof typeof SHDR_DATATYPES;
  return SHDR_DATATYPES[category];
}

// A plain decimal number as adapters print it, exponent allowed (`8.333333e-05` occurs in real logs).
// `NaN`, `Infinity` and hex are not numbers a sample sends: MTConnect says `UNAVAILABLE`.
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A sample's value for the float log: the number, `NaN` for `UNAVAILABLE` (DOMAIN §1), `undefined` for
 * anything else (an invalid reading, skipped and counted).
 *
 * @example
 * sampleValue('-0.022987') // -0.022987
 * sampleValue('UNAVAILABLE') // NaN
 */
export function sampleValue(text: string): number | undefined {
  if (text === 'UNAVAILABLE') return Number.NaN;
  return NUMBER.test(text) ? Number(text) : undefined;
}

/** What the lines of one key look like, gathered over a whole import to classify a key Devices.xml lacks. */
export interface KeyShape {
  readings: number;
  conditions: number;
  numbers: number;
  unavailable: number;
}

export function emptyKeyShape(): KeyShape {
  return { readings: 0, conditions: 0, numbers: 0, unavailable: 0 };
}

export function addToKeyShape(shape: KeyShape, token: ShdrToken): void {
  shape.readings++;
  if (token.condition) shape.conditions++;
  else if (token.value === 'UNAVAILABLE') shape.unavailable++;
  else if (NUMBER.test(token.value)) shape.numbers++;
}

/**
 * DOMAIN §7 for a key missing from Devices.xml: a condition when every reading has the condition shape
 * (a level of `Normal`, `Warning`, `Fault` or `Unavailable` and five fields); a sample when its values are
 * numeric, `UNAVAILABLE` aside (it is how any data item says "no value"), with at least one number; else an
 * event. A key that was only ever `UNAVAILABLE` is therefore an event: nothing shows it is numeric, and a
 * string keeps the value as written.
 *
 * @example
 * classifyKeyShape({ readings: 16, conditions: 16, numbers: 0, unavailable: 0 }) // 'mtconnect.Condition'
 */
export function classifyKeyShape(shape: KeyShape): ShdrDatatype {
  if (shape.readings > 0 && shape.conditions === shape.readings) return SHDR_DATATYPES.CONDITION;
  if (shape.numbers > 0 && shape.numbers + shape.unavailable === shape.readings) return SHDR_DATATYPES.SAMPLE;
  return SHDR_DATATYPES.EVENT;
}
