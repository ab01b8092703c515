import { randomBytes } from 'node:crypto';

/**
 * Names of the databases a test run creates, and which ones a later run may drop.
 *
 * Every name carries its run's id, which starts with the run's creation time:
 * `mmtest_<created, base 36 ms>_<random>_<what>`. Several runs (on several hosts, in containers with
 * their own process ids) share one PostgreSQL, so a process id says nothing about another run: a
 * run drops its own databases when it ends, and a crashed run's are dropped by a later run only once
 * they are older than {@link LEFTOVER_AGE_MS}, far longer than any test run lasts.
 */
export const TEST_DATABASE_PREFIX = 'mmtest_';

/** Age after which a test database nobody dropped is a leftover of a crashed run. */
export const LEFTOVER_AGE_MS = 6 * 60 * 60 * 1000;

/**
 * A fresh run id: creation time and randomness, so two hosts starting at the same millisecond differ.
 *
 * @example
 * newRunId(); // 'mx7k1b2c_9f3a1e'
 */
export function newRunId(now: number = Date.now()): string {
  return `${now.toString(36)}_${randomBytes(3).toString('hex')}`;
}

/**
 * The name of one of the run's databases (`tpl_agg`, `agg_1a2b3c4d`…).
 *
 * @example
 * runDatabaseName('mx7k1b2c_9f3a1e', 'tpl_agg'); // 'mmtest_mx7k1b2c_9f3a1e_tpl_agg'
 */
export function runDatabaseName(runId: string, what: string): string {
  return `${TEST_DATABASE_PREFIX}${runId}_${what}`;
}

// This run's scheme, and the earlier `mm_t_<pid>_<created>_…` / `mm_tpl_<kind>_<pid>_<created>` one,
// whose databases may still be around (or being created by an older checkout).
const current = /^mmtest_([0-9a-z]+)_[0-9a-f]+_/;
const legacy = /^mm_(?:t|tpl_agg|tpl_raw)_[0-9]+_([0-9a-z]+)(?:_|$)/;

/**
 * When the test run that created `database` started, read from its name; `null` for a database
 * that is not a test run's (never dropped).
 *
 * @example
 * runCreatedAt('mmtest_mx7k1b2c_9f3a1e_tpl_agg'); // 1764765600000
 */
export function runCreatedAt(database: string): number | null {
  const match = current.exec(database) ?? legacy.exec(database);
  if (!match?.[1]) return null;
  const created = Number.parseInt(match[1], 36);
  return Number.isSafeInteger(created) ? created : null;
}

/**
 * True for a test database a run may drop although it did not create it: older than `maxAgeMs`.
 * Anything younger may belong to a run in progress, here or on another host.
 *
 * @example
 * isLeftover('mmtest_mx7k1b2c_9f3a1e_tpl_agg', Date.now()); // false: created moments ago
 */
export function isLeftover(database: string, now: number, maxAgeMs: number = LEFTOVER_AGE_MS): boolean {
  const created = runCreatedAt(database);
  return created !== null && now - created > maxAgeMs;
}
