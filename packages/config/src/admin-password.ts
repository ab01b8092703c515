/** Fewer characters than this is refused outright. */
export const adminPasswordMinLength = 12;

// Words that make up most guessed admin passwords. A password whose letters (after undoing the usual
// digit-for-letter swaps) are only these words, with digits and symbols around them, is refused:
// `Password123!`, `admin@admin2024`, `Ch4ngeMe!!!!`.
const commonWords = [
  'admin',
  'administrator',
  'changeme',
  'change',
  'default',
  'dragon',
  'football',
  'hello',
  'iloveyou',
  'letmein',
  'login',
  'love',
  'master',
  'monkey',
  'pass',
  'passwd',
  'password',
  'qwerty',
  'root',
  'secret',
  'shadow',
  'sunshine',
  'super',
  'superuser',
  'test',
  'toor',
  'trustno',
  'user',
  'welcome',
  'word',
];

// Runs of adjacent keys: a password that is a stretch of one of these (either direction, wrapping
// around) is a walk along the keyboard or the alphabet, not a secret.
const sequences = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

// Digits and symbols written for the letters they look like (`P4ssw0rd`, `adm!n`).
const leet: Record<string, string> = {
  '0': 'o',
  '1': 'il',
  '!': 'il',
  '3': 'e',
  '4': 'a',
  '@': 'a',
  '5': 's',
  $: 's',
  '7': 't',
};

/**
 * Why `password` is too easy to guess to guard the admin surface (an empty list when it is fine):
 * blank, shorter than {@link adminPasswordMinLength}, too few different characters (`aaaaaaaaaaaa`,
 * `abababababab`), a run along the keyboard or the alphabet (`1234567890123`, `qwertyuiopas`), only
 * common words (the user name counting as one) with digits and symbols (`Password123!`), or containing
 * the user name. The messages
 * never quote the password.
 *
 * @example
 * adminPasswordProblems('ops', 'ops-password-1'); // ['contains ADMIN_USER', 'is a common password …']
 * adminPasswordProblems('ops', 'correct horse battery'); // []
 */
export function adminPasswordProblems(user: string | undefined, password: string): string[] {
  if (password.trim() === '') return ['must not be blank'];
  const problems: string[] = [];
  if (password.length < adminPasswordMinLength) {
    problems.push(`must be at least ${adminPasswordMinLength} characters`);
  }
  const lower = password.toLowerCase();
  // Compared on letters and digits only, so `plant-ops` is found in `PlantOps2024`.
  const plain = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  const name = plain(user ?? '');
  const hasName = name.length >= 3 && plain(password).includes(name);
  if (new Set(lower).size < 5) problems.push('uses too few different characters');
  else if (isSequence(lower)) problems.push('is a run of adjacent keys or letters');
  else if (
    isCommonWords(lower, hasName ? [...commonWords, name, (user ?? '').trim().toLowerCase()] : commonWords)
  ) {
    problems.push('is a common password (common words with digits or symbols around them)');
  }
  if (hasName) problems.push('contains ADMIN_USER');
  return problems;
}

function isSequence(lower: string): boolean {
  return sequences.some((run) => {
    const forward = run.repeat(Math.ceil(lower.length / run.length) + 1);
    const backward = [...forward].reverse().join('');
    return forward.includes(lower) || backward.includes(lower);
  });
}

function isCommonWords(lower: string, words: readonly string[]): boolean {
  const isLetter = (ch: string) => ch >= 'a' && ch <= 'z';
  const matches = (at: number, word: string) =>
    [...word].every((letter, i) => {
      const ch = lower[at + i];
      return ch === letter || (ch !== undefined && (leet[ch]?.includes(letter) ?? false));
    });
  // Word break by dynamic programming over the password: a position is reached by skipping a digit or
  // symbol, or by a common word (letters or their look-alike digits). 0 = unreached, 1 = reached by
  // skipping only, 2 = reached with at least one word (a password of digits only is not "common words").
  const reached = [1, ...Array<number>(lower.length).fill(0)];
  for (let at = 0; at < lower.length; at++) {
    const from = reached[at] ?? 0;
    if (from === 0) continue;
    const ch = lower[at] ?? '';
    if (!isLetter(ch)) reached[at + 1] = Math.max(reached[at + 1] ?? 0, from);
    for (const word of words) {
      if (matches(at, word)) reached[at + word.length] = 2;
    }
  }
  return reached[lower.length] === 2;
}
