/**
 * Seconds the slowest test files take in a `pnpm test` on a quiet 2-core machine (four files at
 * once), by path from the repository root: the order {@link LongestFirstSequencer} starts them in
 * when vitest has no cache of an earlier run (a clean clone, as in CI). Only the order depends on
 * these figures, never a result: a stale one makes a run longer, not wrong. Files not listed take
 * less than 10 s. Refresh from `.vitest-results.json` after a run (packages/testing/README.md).
 */
export const EXPECTED_SECONDS: Readonly<Record<string, number>> = {
  'apps/worker/src/redis-outage.int.test.ts': 62,
  'deploy/src/compose-commands.int.test.ts': 56,
  'apps/dashboard/src/honest-views.int.test.ts': 51,
  'packages/etl/src/cli/cli.int.test.ts': 47,
  'apps/dashboard/src/plant-scale.int.test.ts': 40,
  'packages/etl/src/property.int.test.ts': 38,
  'apps/demo/src/demo.int.test.ts': 37,
  'apps/worker/src/worker-processes.int.test.ts': 35,
  'packages/raw/src/shdr/import-shdr.int.test.ts': 34,
  'scripts/commands/commands.int.test.ts': 33,
  'packages/db/src/pglite-template.int.test.ts': 33,
  'packages/raw/src/simulator/simulate-plant.int.test.ts': 33,
  'packages/db/src/cli.int.test.ts': 31,
  'apps/demo/src/cli/main.int.test.ts': 30,
  'apps/dashboard/src/dashboard.int.test.ts': 26,
  'apps/demo/src/cli/first-run.int.test.ts': 25,
  'apps/api/src/server.int.test.ts': 18,
  'deploy/src/start-scripts.int.test.ts': 17,
  'apps/demo/src/cli/pnpm-start.int.test.ts': 17,
  'packages/scheduler-core/src/scheduler.int.test.ts': 16,
  'packages/raw/src/cli/cli.int.test.ts': 16,
  'packages/api-core/src/answer-cache/answer-cache.int.test.ts': 11,
};
