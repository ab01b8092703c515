/**
 * A ledger error for display: its first line, at most 200 characters, never a stack.
 *
 * @example
 * shortError('boom\n    at run (etl.ts:1:1)'); // 'boom'
 */
export function shortError(error: string | null): string | null {
  if (error === null) return null;
  const first = (error.split('\n', 1)[0] ?? '').trim();
  return first.length > 200 ? `${first.slice(0, 199)}…` : first;
}
