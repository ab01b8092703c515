import {
  type Activation,
  type AlarmStep,
  type AlarmTracker,
  asLogged,
  type JsonValue,
} from './activation.ts';
import { isOffAlarmValue } from './off-value.ts';

/** One alarm of a json snapshot: `[code, description, ...]` with at least two entries. */
export interface SnapshotAlarm {
  identity: string;
  code: string | null;
  description: string | null;
  /** The element as logged. */
  raw: JsonValue[];
}

/** A json-snapshot row, read (DOMAIN §5.4). */
export type JsonSnapshot =
  /** Not a JSON array: skipped (the previous snapshot stands) and counted. */
  | { kind: 'invalid' }
  /** NULL, empty or UNAVAILABLE: no alarm is active, like `[]`. */
  | { kind: 'off' }
  /**
   * The active alarms, one per identity (the first element wins when an identity repeats), and how
   * many elements were ignored for not being an array of at least two entries.
   */
  | { kind: 'snapshot'; alarms: SnapshotAlarm[]; ignoredElements: number };

/**
 * Reads one row of a `json-snapshot` alarm variable: the full JSON list of active alarms, each
 * `[code, description, int, int, int]`.
 *
 * A code or description that is not a string is read as its JSON text (`54` → `'54'`), `null` as
 * empty. An element with an empty identity (no code, no description) is still an alarm: the
 * logger reported something, and it classifies as `other`.
 *
 * @example
 * parseJsonSnapshot('[["PLC00010","Puerta  abierta!",3,3,50331658]]');
 * // { kind: 'snapshot', ignoredElements: 0, alarms: [{ identity: 'PLC00010', code: 'PLC00010',
 * //   description: 'Puerta  abierta!', raw: ['PLC00010', 'Puerta  abierta!', 3, 3, 50331658] }] }
 * parseJsonSnapshot('[["PLC00010"'); // { kind: 'invalid' }
 */
export function parseJsonSnapshot(value: string | null): JsonSnapshot {
  if (isOffAlarmValue(value)) return { kind: 'off' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value!.trim());
  } catch {
    return { kind: 'invalid' };
  }
  if (!Array.isArray(parsed)) return { kind: 'invalid' };
  const alarms: SnapshotAlarm[] = [];
  const seen = new Set<string>();
  let ignoredElements = 0;
  for (const element of parsed as JsonValue[]) {
    if (!Array.isArray(element) || element.length < 2) {
      ignoredElements++;
      continue;
    }
    const code = entryText(element[0]);
    const description = entryText(element[1]);
    const identity = code.trim() || description.trim();
    if (seen.has(identity)) continue;
    seen.add(identity);
    alarms.push({ identity, code: asLogged(code), description: asLogged(description), raw: element });
  }
  return { kind: 'snapshot', alarms, ignoredElements };
}

function entryText(entry: JsonValue | undefined): string {
  if (entry === null || entry === undefined) return '';
  return typeof entry === 'string' ? entry : JSON.stringify(entry);
}

/**
 * Diffs successive snapshots of one variable: an alarm present in a snapshot but not in the
 * previous valid one is an activation. Invalid rows leave the previous snapshot standing; off
 * rows clear it. Feed it the carry-in (the last valid snapshot before the day) first.
 *
 * @example
 * const t = new JsonSnapshotTracker();
 * t.apply('[["A","x",1,1,1]]'); // one activation (A)
 * t.apply('[["A","x",1,1,1],["B","y",1,1,1]]'); // one activation (B): A stays active
 * t.apply('not json'); // { valid: false }
 */
export class JsonSnapshotTracker implements AlarmTracker {
  #active = new Set<string>();

  apply(value: string | null): AlarmStep {
    const snapshot = parseJsonSnapshot(value);
    if (snapshot.kind === 'invalid') return { valid: false };
    const alarms = snapshot.kind === 'off' ? [] : snapshot.alarms;
    const activations: Activation[] = [];
    for (const alarm of alarms) {
      if (this.#active.has(alarm.identity)) continue;
      activations.push({
        identity: alarm.identity,
        code: alarm.code,
        description: alarm.description,
        level: null,
        raw: alarm.raw,
      });
    }
    this.#active = new Set(alarms.map((a) => a.identity));
    return { valid: true, activations };
  }
}
