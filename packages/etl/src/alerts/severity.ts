import type { ConditionLevel } from './activation.ts';

/** `alert_type`: exactly one of these, lowercase (docs/api.md). */
export type AlertType = 'emergency' | 'error' | 'warning' | 'other';

export const alertTypes: readonly AlertType[] = ['emergency', 'error', 'warning', 'other'];

const EMERGENCY = ['emerg'];
const ERROR = ['err', 'fallo', 'fault'];
const WARNING = ['alert', 'alarm', 'warn', 'aviso', 'atten', 'atenc'];

const LETTERS = /\p{L}+/gu;

/**
 * The words of a text (DOMAIN §5.4): maximal runs of Unicode letters, lowercased. The text is
 * NFC-normalised first, so an accent written as a combining mark (`Atencio\u0301n`, which is not a
 * letter) does not split `Atención` in two. Case is folded with `toLowerCase` (locale-independent);
 * accents are kept: every prefix we match is plain ASCII, and DOMAIN asks only for case-insensitivity.
 *
 * @example
 * words('Atención: nivel  "bajo"'); // ['atención', 'nivel', 'bajo']
 */
export function words(text: string): string[] {
  return (text.normalize('NFC').match(LETTERS) ?? []).map((w) => w.toLowerCase());
}

/**
 * The severity class of an activation (DOMAIN §5.4), first match wins: `emergency` if a word of
 * the description starts with `emerg`; else an MTConnect condition's level decides (the machine's
 * own classification): `Fault` is `error` and `Warning` is `warning`, whatever other words its
 * message holds; else (a `json-snapshot` element, which has no level) the words decide: `error` for
 * a word starting with `err`, `fallo` or `fault`, `warning` for one starting with `alert`, `alarm`,
 * `warn`, `aviso`, `atten` or `atenc`, else `other`. Only the description is read, never the code,
 * and whole words only: `CERRAR` and `Terror` are not errors.
 *
 * @example
 * alertType('Parada de EMERGENCIA', null); // 'emergency'
 * alertType('CERRAR PUERTA', null); // 'other'
 * alertType('START ERROR(SET UP SWITCH)', 'Warning'); // 'warning'
 */
export function alertType(description: string | null, level: ConditionLevel | null): AlertType {
  const found = words(description ?? '');
  const startsWithAny = (prefixes: string[]) => found.some((w) => prefixes.some((p) => w.startsWith(p)));
  if (startsWithAny(EMERGENCY)) return 'emergency';
  if (level === 'Fault') return 'error';
  if (level === 'Warning') return 'warning';
  if (startsWithAny(ERROR)) return 'error';
  if (startsWithAny(WARNING)) return 'warning';
  return 'other';
}
