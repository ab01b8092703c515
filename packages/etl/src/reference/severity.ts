/**
 * DOMAIN §5.4's severity class, written from the specification alone (a character scanner rather
 * than the ETL's regular expression), so a property test can hold `alertType` to it.
 */

export type ReferenceSeverity = 'emergency' | 'error' | 'warning' | 'other';

/** The description's words: maximal runs of letters (NFC first, so a combining accent is no split), lowercased. */
function wordsOf(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const ch of text.normalize('NFC')) {
    if (/\p{L}/u.test(ch)) {
      current += ch;
    } else if (current !== '') {
      out.push(current.toLowerCase());
      current = '';
    }
  }
  if (current !== '') out.push(current.toLowerCase());
  return out;
}

/**
 * First match wins: an `emerg…` word; else the MTConnect level (`Fault` error, `Warning` warning);
 * else, for an alarm without a level, the words (`err`/`fallo`/`fault` error, `alert`/`alarm`/`warn`/
 * `aviso`/`atten`/`atenc` warning); else other.
 */
export function referenceSeverity(
  description: string | null,
  level: 'Warning' | 'Fault' | null,
): ReferenceSeverity {
  const words = wordsOf(description ?? '');
  const some = (...prefixes: string[]) => words.some((w) => prefixes.some((p) => w.startsWith(p)));
  if (some('emerg')) return 'emergency';
  if (level !== null) return level === 'Fault' ? 'error' : 'warning';
  if (some('err', 'fallo', 'fault')) return 'error';
  if (some('alert', 'alarm', 'warn', 'aviso', 'atten', 'atenc')) return 'warning';
  return 'other';
}
