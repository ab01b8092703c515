/** A test file as {@link longestFirst} sees it. */
export interface FileToOrder {
  /** The vitest project; a project's files stay together, projects in name order (as vitest's own order). */
  project: string;
  /** Whether the project isolates its files; isolated projects go first (as vitest's own order). */
  isolate: boolean;
  /** Seconds the file took in this machine's last run (vitest's cache), when there was one. */
  lastSeconds?: number | undefined;
  /** Seconds the file is expected to take (EXPECTED_SECONDS), for a clean clone without a cache. */
  expectedSeconds?: number | undefined;
  /** Size in bytes: the last tie-breaker, bigger first, as vitest orders files it knows nothing of. */
  size: number;
}

/**
 * Orders test files so the longest start first and the short ones fill the end, which keeps the
 * run's tail short: the run cannot end before its longest file, and a long file started last ends
 * alone. A file's length is its last run's when vitest remembers one, else its expected one, else
 * unknown (0: after every file with a length, biggest first).
 *
 * @example
 * longestFirst([
 *   { project: 'integration', isolate: true, size: 9_000 },
 *   { project: 'integration', isolate: true, expectedSeconds: 60, size: 3_000 },
 * ]); // the 60 s file first
 */
export function longestFirst<T extends FileToOrder>(files: readonly T[]): T[] {
  const seconds = (f: FileToOrder) => f.lastSeconds ?? f.expectedSeconds ?? 0;
  return [...files].sort((a, b) => {
    if (a.project !== b.project) return a.project < b.project ? -1 : 1;
    if (a.isolate !== b.isolate) return a.isolate ? -1 : 1;
    return seconds(b) - seconds(a) || b.size - a.size;
  });
}
