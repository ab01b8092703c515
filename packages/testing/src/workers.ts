import { availableParallelism, loadavg } from 'node:os';

/** Most test files a run executes at once, however many cores: each holds databases, pools, maybe a child. */
export const MAX_TEST_WORKERS = 8;

/**
 * How many test files `vitest run` executes at once (`maxWorkers`): twice the cores, since
 * integration files mostly wait on PostgreSQL, Redis, a browser or a child process, while the
 * machine's 1-minute load average is at most 4 per core; fewer as it climbs, one file at a time from
 * 8 per core. A busy shared machine still gives more CPU to more processes, but past that point each
 * file stretches beyond the timeouts of its tests (a worker reporting healthy, a CLI test spawning
 * `tsx` processes) before the run ends any sooner. At least 1, at most {@link MAX_TEST_WORKERS}.
 *
 * @example
 * testWorkers(2, 0.3); // 4: a quiet 2-core machine
 * testWorkers(2, 12); // 2
 * testWorkers(2, 16); // 1: one file after the other
 */
export function testWorkers(
  cores: number = availableParallelism(),
  load: number = loadavg()[0] ?? 0,
): number {
  const perCore = load / cores;
  const share = Math.min(1, Math.max(0, (8 - perCore) / 4));
  return Math.min(MAX_TEST_WORKERS, Math.max(1, Math.round(cores * 2 * share)));
}
