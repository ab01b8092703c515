import { isFloatDatatype, SHDR_DATATYPES, sampleValue } from './classify.ts';
import { type IsCondition, parseShdrLine } from './shdr-line.ts';

/** A variable of the raw database, by its name (one per SHDR key). */
export interface ShdrVariable {
  id: number;
  datatype: string;
}

/** One row for the raw logs: `variable_log_float` when `value` is a number, else `variable_log_string`. */
export interface ShdrRow {
  idVar: number;
  date: number;
  value: number | string;
}

/** What happened to a file's lines and readings (a line carries one reading per key on it). */
export interface ShdrFileCounts {
  lines: number;
  /** Empty lines: nothing to import, not an error. */
  blank: number;
  /** Lines that are not SHDR (bad timestamp, key without value…): skipped. */
  malformed: number;
  /** Readings a variable cannot hold (a sample that is not a number or `UNAVAILABLE`): skipped. */
  invalid: number;
  readings: number;
  /** Lines of the stale block at the start of the file (dated before its day). */
  staleLines: number;
  /** Stale readings dated before the latest reading already imported for their key: ignored. */
  staleIgnored: number;
  /** Lines re-stamped 1 ms after the latest instant written on earlier lines of the file. */
  restamped: number;
  /** Readings of a key at a millisecond an earlier line of the file already gave it: the first wins. */
  duplicates: number;
  rows: number;
}

/** Every count at zero: a file before its first line, and where a sum over files starts. */
export function emptyFileCounts(): ShdrFileCounts {
  return {
    lines: 0,
    blank: 0,
    malformed: 0,
    invalid: 0,
    readings: 0,
    staleLines: 0,
    staleIgnored: 0,
    restamped: 0,
    duplicates: 0,
    rows: 0,
  };
}

export interface ShdrFileSequencerOptions {
  /** 00:00 UTC of the file's day (from its name). */
  dayStartMs: number;
  /** Every key the file may use (an unknown key here is a bug of the caller). */
  variables: ReadonlyMap<string, ShdrVariable>;
  /** Latest `date` already imported per variable id; updated as rows are accepted. */
  latest: Map<number, number>;
  isCondition: IsCondition;
  emit: (row: ShdrRow) => void;
}

/**
 * Turns one daily SHDR log, line by line in file order, into raw rows by DOMAIN §7:
 * - the stale block (leading lines dated before the file's UTC day) is imported as stamped, except a
 *   reading dated before the latest one already imported for its key (`latest`), which is ignored;
 * - after it, file order is event order: a line stamped earlier than the latest instant *as written* on
 *   earlier such lines of the file is re-stamped 1 ms after that instant (the agent stamps the
 *   `UNAVAILABLE` block of an adapter disconnect up to ~50 s before the machine's last lines);
 * - a key given twice at one millisecond keeps the first reading. Across files the database's
 *   `on conflict do nothing` keeps the first, as files are written in name order.
 *
 * @example
 * const seq = new ShdrFileSequencer({ dayStartMs, variables, latest, isCondition, emit: (r) => rows.push(r) });
 * for (const line of lines) seq.readLine(line);
 * seq.counts.restamped;
 */
export class ShdrFileSequencer {
  readonly counts: ShdrFileCounts = emptyFileCounts();
  private inStaleBlock = true;
  private latestWritten = Number.NEGATIVE_INFINITY;
  // Milliseconds already given to each variable by this file (first wins).
  private readonly taken = new Map<number, Set<number>>();

  constructor(private readonly options: ShdrFileSequencerOptions) {}

  readLine(line: string): void {
    const { counts, options } = this;
    counts.lines++;
    const parsed = parseShdrLine(line, options.isCondition);
    if (parsed.kind === 'blank') {
      counts.blank++;
      return;
    }
    if (parsed.kind === 'malformed') {
      counts.malformed++;
      return;
    }
    let date = parsed.ts;
    const stale = this.inStaleBlock && parsed.ts < options.dayStartMs;
    if (stale) {
      counts.staleLines++;
    } else {
      this.inStaleBlock = false;
      if (parsed.ts < this.latestWritten) {
        date = this.latestWritten + 1;
        counts.restamped++;
      } else {
        this.latestWritten = parsed.ts;
      }
    }
    for (const token of parsed.tokens) {
      counts.readings++;
      const variable = options.variables.get(token.key);
      if (!variable) throw new Error(`no variable for SHDR key ${token.key}`);
      const latest = options.latest.get(variable.id);
      if (stale && latest !== undefined && date < latest) {
        counts.staleIgnored++;
        continue;
      }
      const value = rowValue(variable.datatype, token.value, token.condition);
      if (value === undefined) {
        counts.invalid++;
        continue;
      }
      let taken = this.taken.get(variable.id);
      if (!taken) {
        taken = new Set();
        this.taken.set(variable.id, taken);
      }
      if (taken.has(date)) {
        counts.duplicates++;
        continue;
      }
      taken.add(date);
      if (latest === undefined || date > latest) options.latest.set(variable.id, date);
      counts.rows++;
      options.emit({ idVar: variable.id, date, value });
    }
  }
}

/** The value a variable of `datatype` stores for a reading; `undefined` if it cannot hold it. */
function rowValue(datatype: string, value: string, condition: boolean): number | string | undefined {
  if (isFloatDatatype(datatype)) return condition ? undefined : sampleValue(value);
  // A condition variable only takes condition readings; an event (string) takes any text as logged.
  if (datatype === SHDR_DATATYPES.CONDITION && !condition) return undefined;
  return value;
}
