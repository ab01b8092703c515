import { type FloatDatatype, type LogTable, logTableOf, type RawDatabase, type StringDatatype } from '@mm/db';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { DateTime } from 'luxon';
import { emptyColumns, insertLogRows, type LogColumns } from './log-rows.ts';
import { loggerVariables } from './simulator/catalogue.ts';

/**
 * An instant: epoch milliseconds (UTC), a `Date`, a luxon `DateTime`, or a string. A string with an
 * offset (`2024-03-31T00:59:59.500Z`, `2024-10-27 02:30 +01:00`) is that instant; one without is
 * a wall-clock time in the builder's time zone (`2024-03-31 01:59:59.500`).
 */
export type Instant = number | Date | DateTime | string;

/** A value for the float log: `NaN` is "off", `null` and `±Infinity` are the garbage real logs hold. */
export type FloatValue = number | boolean | null;
/** A value for the string log: text as is, an array (an alarm list) as its JSON text. */
export type StringValue = string | null | readonly unknown[];
export type RawValue = FloatValue | StringValue;

export interface RawBuilderOptions {
  /** Zone of wall-clock strings given without a zone or offset. Default `UTC`. */
  timezone?: string;
  /** Id of the first variable; later ones count up from the highest id used. Default 1. */
  firstId?: number;
  /**
   * `value` is `real` (float4): 21.3 is stored as 21.299999237…, and aggregates computed in SQL
   * then differ from expectations computed from 21.3 in JavaScript. By default such a value throws;
   * pick float4-exact values (integers below 2^24, halves, quarters, 21.25…) or set this to store
   * the rounded value knowingly.
   */
  allowFloat4Rounding?: boolean;
}

/** What one {@link RawBuilder.write} call wrote. */
export interface RawWriteResult {
  variables: number;
  floatRows: number;
  stringRows: number;
}

/** Thrown for a reading the raw schema could not hold or a test most likely did not mean. */
export class RawBuilderError extends Error {
  override name = 'RawBuilderError';
}

/**
 * One raw variable of a {@link RawBuilder}: add its readings with `at` and `series`; they are
 * written by the builder's `write()`. Methods chain.
 */
export class RawVariable<V extends RawValue = RawValue> {
  readonly table: LogTable;
  /** Instants already used by this variable: the raw primary key is (id_var, date). */
  readonly #dates = new Set<number>();

  /** @internal created by {@link RawBuilder.variable} */
  constructor(
    readonly id: number,
    readonly name: string,
    readonly datatype: string,
    private readonly owner: RawBuilder,
  ) {
    this.table = logTableOf(datatype);
  }

  /**
   * Adds a reading at an instant, or at a wall-clock time in a given IANA zone.
   *
   * @example
   * state.at('2024-03-31 01:59:59.500', 'Europe/Madrid', 255); // wall clock in Madrid
   * state.at('2024-03-31T00:59:59.500Z', 0);                    // an instant
   * state.at(1711846799500, Number.NaN);                        // epoch ms: the machine goes off
   * alarms.at('2024-03-31 08:00', [['PLC00010', 'Puerta  abierta!', 3, 3, 50331658]]);
   */
  at(when: Instant, value: V): this;
  at(wallClock: string, timezone: string, value: V): this;
  at(...args: [Instant, V] | [string, string, V]): this {
    const date =
      args.length === 3 ? parseInstant(args[0], args[1]) : parseInstant(args[0], this.owner.timezone);
    const value = args.length === 3 ? args[2] : args[1];
    this.owner.add(this, this.claim(date), value);
    return this;
  }

  /**
   * Adds one reading per value, `stepMs` apart, from `from` on (a `null` value is a NULL reading).
   *
   * @example
   * temperature.series('2024-03-04 08:00', 60_000, [2150, 2175, 0, 2200]); // one a minute
   */
  series(from: Instant, stepMs: number, values: readonly V[]): this {
    if (!Number.isInteger(stepMs) || stepMs <= 0) {
      throw new RawBuilderError(`${this.name}: series step must be a positive whole number of ms`);
    }
    const start = parseInstant(from, this.owner.timezone);
    values.forEach((value, i) => {
      this.owner.add(this, this.claim(start + i * stepMs), value);
    });
    return this;
  }

  private claim(date: number): number {
    if (this.#dates.has(date)) {
      throw new RawBuilderError(
        `${this.name} already has a reading at ${new Date(date).toISOString()} (${date}): the raw primary key is (id_var, date)`,
      );
    }
    this.#dates.add(date);
    return date;
  }
}

/** The logger profile's variables (DOMAIN §2), as returned by {@link RawBuilder.logger}. */
export interface LoggerVariables {
  state: RawVariable<FloatValue>;
  program: RawVariable<FloatValue>;
  temperature: RawVariable<FloatValue>;
  alarms: RawVariable<StringValue>;
  motorX: RawVariable<FloatValue>;
  motorY: RawVariable<FloatValue>;
  motorZ: RawVariable<FloatValue>;
  spindle: RawVariable<FloatValue>;
}

/**
 * A test-data builder for raw (logger) databases: declare variables, add readings, `write()`.
 * Create it with {@link rawBuilder}.
 */
export class RawBuilder {
  readonly timezone: string;
  readonly #db: Kysely<RawDatabase>;
  readonly #allowRounding: boolean;
  readonly #variables = new Map<string, RawVariable>();
  #nextId: number;
  #newVariables: RawVariable[] = [];
  #float: LogColumns<number | null> = emptyColumns();
  #string: LogColumns<string | null> = emptyColumns();

  /** @internal use {@link rawBuilder} */
  constructor(db: Kysely<RawDatabase>, options: RawBuilderOptions = {}) {
    this.#db = db;
    this.timezone = options.timezone ?? 'UTC';
    if (!DateTime.local({ zone: this.timezone }).isValid) {
      throw new RawBuilderError(`unknown time zone ${JSON.stringify(this.timezone)}`);
    }
    this.#nextId = options.firstId ?? 1;
    this.#allowRounding = options.allowFloat4Rounding ?? false;
  }

  /**
   * Declares a variable (or returns the one already declared with that name and datatype). The
   * datatype decides its log: numeric Java types go to `variable_log_float`, others to
   * `variable_log_string` (DOMAIN §1). Ids count up unless given.
   *
   * @example
   * const state = raw.variable('MACHINE_IN_OPERATION', 'java.lang.Integer');
   * const alarms = raw.variable('ALARMS', 'java.lang.String');
   * const odd = raw.variable('Xact', 'java.lang.Double', { id: 900 });
   */
  variable(name: string, datatype: FloatDatatype, options?: { id?: number }): RawVariable<FloatValue>;
  variable(name: string, datatype: StringDatatype, options?: { id?: number }): RawVariable<StringValue>;
  variable(name: string, datatype: string, options?: { id?: number }): RawVariable;
  variable(name: string, datatype: string, options: { id?: number } = {}): RawVariable {
    const existing = this.#variables.get(name);
    if (existing) {
      if (existing.datatype !== datatype || (options.id !== undefined && options.id !== existing.id)) {
        throw new RawBuilderError(
          `variable ${name} is already declared as id ${existing.id}, ${existing.datatype}`,
        );
      }
      return existing;
    }
    const id = options.id ?? this.#nextId;
    if (!Number.isInteger(id)) throw new RawBuilderError(`variable ${name}: id must be an integer`);
    for (const other of this.#variables.values()) {
      if (other.id === id) throw new RawBuilderError(`variable ${name}: id ${id} is taken by ${other.name}`);
    }
    this.#nextId = Math.max(this.#nextId, id + 1);
    const variable = new RawVariable(id, name, datatype, this);
    this.#variables.set(name, variable);
    this.#newVariables.push(variable);
    return variable;
  }

  /**
   * The `logger` profile's variables with their usual datatypes, declared on first use.
   *
   * @example
   * const m = raw.logger();
   * m.state.at('2024-03-04 06:00', 255).at('2024-03-04 14:00', Number.NaN);
   * m.program.at('2024-03-04 06:00', 120);
   */
  logger(): LoggerVariables {
    const v = (role: keyof typeof loggerVariables) =>
      this.variable(loggerVariables[role].name, loggerVariables[role].datatype);
    return {
      state: v('state') as RawVariable<FloatValue>,
      program: v('program') as RawVariable<FloatValue>,
      temperature: v('temperature') as RawVariable<FloatValue>,
      alarms: v('alarms') as RawVariable<StringValue>,
      motorX: v('motorX') as RawVariable<FloatValue>,
      motorY: v('motorY') as RawVariable<FloatValue>,
      motorZ: v('motorZ') as RawVariable<FloatValue>,
      spindle: v('spindle') as RawVariable<FloatValue>,
    };
  }

  /** Readings added and not yet written. */
  get pendingRows(): number {
    return this.#float.ids.length + this.#string.ids.length;
  }

  /**
   * Writes the variables and readings added since the last `write()`, in one transaction, with
   * set-based inserts. Call it again after adding more (e.g. a second day for a re-run test).
   */
  async write(): Promise<RawWriteResult> {
    const variables = this.#newVariables;
    const float = this.#float;
    const string = this.#string;
    await this.#db.transaction().execute(async (trx) => {
      if (variables.length > 0) {
        await sql`
          insert into variable (id, name, datatype)
          select * from unnest(${variables.map((v) => v.id)}::int4[], ${variables.map((v) => v.name)}::text[],
                               ${variables.map((v) => v.datatype)}::text[])
        `.execute(trx);
      }
      await insertLogRows(trx, 'variable_log_float', float);
      await insertLogRows(trx, 'variable_log_string', string);
    });
    // Cleared only once written, so a failed write can be inspected or retried.
    this.#newVariables = [];
    this.#float = emptyColumns();
    this.#string = emptyColumns();
    return { variables: variables.length, floatRows: float.ids.length, stringRows: string.ids.length };
  }

  /** @internal called by {@link RawVariable} */
  add(variable: RawVariable, date: number, value: RawValue): void {
    if (variable.table === 'variable_log_float') {
      const columns = this.#float;
      columns.ids.push(variable.id);
      columns.dates.push(date);
      columns.values.push(this.floatValue(variable, value));
    } else {
      const columns = this.#string;
      columns.ids.push(variable.id);
      columns.dates.push(date);
      columns.values.push(stringValue(variable, value));
    }
  }

  private floatValue(variable: RawVariable, value: RawValue): number | null {
    if (value === null) return null;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value !== 'number') {
      throw new RawBuilderError(
        `${variable.name} (${variable.datatype}) logs floats; got ${JSON.stringify(value)} (declare a string datatype for text)`,
      );
    }
    if (Number.isFinite(value) && Math.fround(value) !== value && !this.#allowRounding) {
      throw new RawBuilderError(
        `${variable.name}: ${value} is not exact in float4 (it would be stored as ${Math.fround(value)}); ` +
          'use a float4-exact value such as an integer or 21.25, or pass allowFloat4Rounding',
      );
    }
    return value;
  }
}

function stringValue(variable: RawVariable, value: RawValue): string | null {
  if (value === null || typeof value === 'string') return value;
  if (Array.isArray(value)) return JSON.stringify(value);
  throw new RawBuilderError(
    `${variable.name} (${variable.datatype}) logs text; got ${JSON.stringify(value)} (give a string, an array or null)`,
  );
}

/**
 * A builder for raw readings on a `Kysely<RawDatabase>` (PostgreSQL or PGlite) whose raw schema
 * exists. Nothing touches the database until `write()`.
 *
 * @example
 * const raw = rawBuilder(db, { timezone: 'Europe/Madrid' });
 * const state = raw.variable('MACHINE_IN_OPERATION', 'java.lang.Integer');
 * state.at('2024-03-31 01:59:59.500', 255).at('2024-03-31 03:00', 0).at('2024-03-31 22:00', Number.NaN);
 * raw.variable('ALARMS', 'java.lang.String').at('2024-03-31 03:10', [['PLC00054', 'Poti Avance = 0 !', 3, 3, 50331702]]);
 * await raw.write();
 */
export function rawBuilder(db: Kysely<RawDatabase>, options?: RawBuilderOptions): RawBuilder {
  return new RawBuilder(db, options);
}

const WALL_CLOCK =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Epoch ms of an {@link Instant}; wall-clock strings are read in `timezone`. A wall-clock time that
 * does not exist (skipped by a spring-forward change) or happens twice (fall-back) throws: a test
 * about DST should say which instant it means, with an offset.
 *
 * @example
 * parseInstant('2024-03-31 01:59:59.500', 'Europe/Madrid'); // 1711846799500
 * parseInstant('2024-10-27 02:30 +01:00', 'Europe/Madrid'); // the second 02:30
 */
export function parseInstant(when: Instant, timezone: string): number {
  if (typeof when === 'number') return checkedMs(when, String(when));
  if (when instanceof Date) return checkedMs(when.getTime(), String(when));
  if (DateTime.isDateTime(when)) return checkedMs(when.toMillis(), String(when));
  const m = WALL_CLOCK.exec(when.trim());
  if (!m) {
    throw new RawBuilderError(
      `cannot read ${JSON.stringify(when)} as a time: use 'YYYY-MM-DD HH:mm[:ss[.SSS]]', optionally with Z or ±HH:mm`,
    );
  }
  const fields = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    millisecond: Number((m[7] ?? '0').padEnd(3, '0')),
  };
  const offset = m[8];
  const zone = offset ? (offset.toUpperCase() === 'Z' ? 'UTC' : `UTC${normaliseOffset(offset)}`) : timezone;
  const dt = DateTime.fromObject(fields, { zone });
  if (!dt.isValid) throw new RawBuilderError(`${JSON.stringify(when)} in ${zone}: ${dt.invalidExplanation}`);
  if (dt.hour !== fields.hour || dt.minute !== fields.minute || dt.day !== fields.day) {
    throw new RawBuilderError(
      `${when} does not exist in ${zone} (clocks skip it); the instant luxon would pick is ${dt.toISO()}`,
    );
  }
  const offsets = dt.getPossibleOffsets();
  if (offsets.length > 1) {
    const spelled = offsets.map((o) => `'${when.trim()} ${o.toFormat('ZZ')}'`).join(' or ');
    throw new RawBuilderError(`${when} happens twice in ${zone}: write ${spelled}`);
  }
  return dt.toMillis();
}

function normaliseOffset(offset: string): string {
  const digits = offset.replace(':', '');
  return `${digits.slice(0, 3)}:${digits.slice(3, 5) || '00'}`;
}

function checkedMs(ms: number, shown: string): number {
  if (!Number.isSafeInteger(ms)) {
    throw new RawBuilderError(`${shown} is not a whole number of epoch milliseconds`);
  }
  return ms;
}
