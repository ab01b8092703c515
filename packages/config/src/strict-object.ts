import { z } from 'zod';

/**
 * `z.strictObject` whose unknown-key problem names each key and, when one is a likely misspelling of
 * a known key, suggests it: a typo in a configuration file must be an error, not a silent default.
 *
 * @example
 * strictObject({ timezone: z.string() }).safeParse({ tiemzone: 'Europe/Madrid' });
 * // issue: "unknown key 'tiemzone' (did you mean 'timezone'?)"
 */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => unknownKey(key, known)).join('; ')
        : undefined,
  });
}

function unknownKey(key: string, known: readonly string[]): string {
  const close = closestKey(key, known);
  return close
    ? `unknown key '${key}' (did you mean '${close}'?)`
    : `unknown key '${key}' (known: ${known.join(', ')})`;
}

/** The known key within a small edit distance of `key` (case-insensitive), if exactly one is closest. */
export function closestKey(key: string, known: readonly string[]): string | null {
  const lower = key.toLowerCase();
  let best: string | null = null;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

// Damerau-Levenshtein (optimal string alignment): a swapped pair of letters counts as one edit.
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}
