import { availableParallelism, loadavg } from 'node:os';

/** Most test files a run executes at once, however many cores: each holds databases, pools, maybe a child. */
export const MAX_TEST_WORKERS = 8;

/**
 * How many test files `vitest run` executes at once (`maxWorkers`): twice the cores, since
 * integration files mostly wait on PostgreSQL, Redis, a browser or a child process, less the
 * machine's 1-minute load average, the cores others are already using; at least 1, at most
 * {@link MAX_TEST_WORKERS}. On a shared machine that is already busy, more files at once would only
 * stretch each one (CPU-bound child processes, timeouts) without finishing the run sooner.
 *
 * @example
 * testWorkers(2, 0.3); // 4: a quiet 2-core machine
 * testWorkers(2, 2.1); // 2
 * testWorkers(2, 15); // 1: one file after the other, as on a 2-core machine under load
 */
export function testWorkers(
  cores: number = availableParallelism(),
  load: number = loadavg()[0] ?? 0,
): number {
  return Math.min(MAX_TEST_WORKERS, Math.max(1, Math.round(cores * 2 - load)));
}
