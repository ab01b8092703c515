/** A JSON value, as an alarm's raw element is stored (`alerts_detail.raw`). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The MTConnect levels that raise an alarm (they also steer the severity class, DOMAIN §5.4). */
export type ConditionLevel = 'Warning' | 'Fault';

/**
 * The moment one alarm of one source variable becomes active (DOMAIN §5.4). `identity` is the
 * trimmed code, or the trimmed description when the code is empty; `code` and `description` are
 * as logged, `null` when empty.
 */
export interface Activation {
  identity: string;
  code: string | null;
  description: string | null;
  /** MTConnect `Warning`/`Fault`; `null` for json-snapshot alarms. */
  level: ConditionLevel | null;
  /** The json element, or the condition value as logged (a JSON string). */
  raw: JsonValue;
}

/** What one raw alarm row did: an invalid row changes nothing (skipped, counted by the caller). */
export type AlarmStep = { valid: false } | { valid: true; activations: Activation[] };

/**
 * The per-variable state machine of one alarm format: feed it that variable's rows in time order
 * (the replayed history first, then the day's rows) and it reports each row's activations.
 */
export interface AlarmTracker {
  apply(value: string | null): AlarmStep;
}

/** `null` for a field that is empty once trimmed, else the field exactly as logged. */
export function asLogged(text: string): string | null {
  return text.trim() === '' ? null : text;
}
