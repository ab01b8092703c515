import {
  type Activation,
  type AlarmStep,
  type AlarmTracker,
  asLogged,
  type ConditionLevel,
} from './activation.ts';
import { isOffAlarmValue } from './off-value.ts';

/** An `mtconnect-condition` row, read (DOMAIN §5.4). */
export type ConditionRow =
  /** The level is none of Normal, Warning, Fault, Unavailable: skipped and counted. */
  | { kind: 'invalid' }
  /** Clears every code of the variable: an off row, `Unavailable`, or `Normal` with no code. */
  | { kind: 'clear-all' }
  /** `Normal|code`: clears that code (the identity is the trimmed code). */
  | { kind: 'clear'; identity: string }
  /** `Warning` or `Fault`. */
  | {
      kind: 'active';
      level: ConditionLevel;
      identity: string;
      code: string | null;
      description: string | null;
    };

const ACTIVE_LEVELS: Record<string, ConditionLevel> = { warning: 'Warning', fault: 'Fault' };

/**
 * Reads one row of an MTConnect condition variable, `Level|code|nativeSeverity|qualifier|message`
 * (the SHDR line without its timestamp and key). The level is trimmed and compared
 * case-insensitively; the message is everything after the fourth `|`, so a `|` inside it survives.
 * The identity of a Warning/Fault is its trimmed code, or its trimmed message when the code is empty.
 *
 * @example
 * parseCondition('Fault|270|90||COND.MISSING (DOOR OPEN)');
 * // { kind: 'active', level: 'Fault', identity: '270', code: '270', description: 'COND.MISSING (DOOR OPEN)' }
 * parseCondition('Normal|237|||'); // { kind: 'clear', identity: '237' }
 * parseCondition('Normal||||'); // { kind: 'clear-all' }
 * parseCondition('Broken|1|||'); // { kind: 'invalid' }
 */
export function parseCondition(value: string | null): ConditionRow {
  if (isOffAlarmValue(value)) return { kind: 'clear-all' };
  const [levelField = '', codeField = '', , , ...messageFields] = value!.split('|');
  const level = levelField.trim().toLowerCase();
  const code = codeField.trim();
  if (level === 'unavailable') return { kind: 'clear-all' };
  if (level === 'normal') return code === '' ? { kind: 'clear-all' } : { kind: 'clear', identity: code };
  const active = ACTIVE_LEVELS[level];
  if (!active) return { kind: 'invalid' };
  const message = messageFields.join('|');
  return {
    kind: 'active',
    level: active,
    identity: code || message.trim(),
    code: asLogged(codeField),
    description: asLogged(message),
  };
}

/**
 * Replays the condition rows of one variable. A `Warning`/`Fault` for an identity not already
 * active at that level is an activation, so a re-sent identical condition is not, and a level
 * change while active (Warning → Fault, and also Fault → Warning) is a new activation at the new
 * level. Feed it the rows since the last clear-all before the day (or the whole history) first:
 * the state at the day's start is what replaying every earlier row gives.
 *
 * @example
 * const t = new ConditionTracker();
 * t.apply('Warning|1101|25||INTERFERE'); // one activation (Warning)
 * t.apply('Warning|1101|25||INTERFERE'); // none: re-sent
 * t.apply('Fault|1101|90||INTERFERE'); // one activation (Fault)
 */
export class ConditionTracker implements AlarmTracker {
  readonly #active = new Map<string, ConditionLevel>();

  apply(value: string | null): AlarmStep {
    const row = parseCondition(value);
    switch (row.kind) {
      case 'invalid':
        return { valid: false };
      case 'clear-all':
        this.#active.clear();
        return { valid: true, activations: [] };
      case 'clear':
        this.#active.delete(row.identity);
        return { valid: true, activations: [] };
      case 'active': {
        if (this.#active.get(row.identity) === row.level) return { valid: true, activations: [] };
        this.#active.set(row.identity, row.level);
        const activation: Activation = {
          identity: row.identity,
          code: row.code,
          description: row.description,
          level: row.level,
          raw: value,
        };
        return { valid: true, activations: [activation] };
      }
    }
  }
}
