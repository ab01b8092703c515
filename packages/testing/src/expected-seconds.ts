/**
 * Seconds the slowest test files take in a `pnpm test` on a quiet 2-core machine (four files at
 * once), by path from the repository root: the order {@link LongestFirstSequencer} starts them in
 * when vitest has no cache of an earlier run (a clean clone, as in CI). Only the order depends on
 * these figures, never a result: a stale one makes a run longer, not wrong. Files not listed take
 * less than 10 s. Refresh from `.vitest-results.json` after a run (packages/testing/README.md).
 */
export const EXPECTED_SECONDS: Readonly<Record<string, number>> = {
  'apps/demo/src/demo.int.test.ts': 116,
  'apps/worker/src/redis-outage.int.test.ts': 58,
  'apps/dashboard/src/honest-views.int.test.ts': 53,
  'apps/demo/src/cli/main.int.test.ts': 52,
  'apps/demo/src/cli/first-run.int.test.ts': 44,
  'packages/raw/src/shdr/import-shdr.int.test.ts': 42,
  'packages/raw/src/simulator/simulate-plant.int.test.ts': 42,
  'apps/worker/src/worker-processes.int.test.ts': 40,
  'apps/demo/src/cli/pnpm-start.int.test.ts': 35,
  'packages/etl/src/cli/cli.int.test.ts': 33,
  'scripts/commands/commands.int.test.ts': 32,
  'packages/etl/src/property.int.test.ts': 31,
  'apps/dashboard/src/dashboard.int.test.ts': 26,
  'deploy/src/compose-commands.int.test.ts': 24,
  'packages/api-core/src/answer-cache/answer-cache.int.test.ts': 24,
  'packages/db/src/cli.int.test.ts': 23,
  'apps/dashboard/src/plant-scale.int.test.ts': 21,
  'packages/scheduler-core/src/scheduler.int.test.ts': 17,
  'apps/api/src/server.int.test.ts': 15,
  'deploy/src/start-scripts.int.test.ts': 15,
  'packages/raw/src/cli/cli.int.test.ts': 13,
  'packages/raw/src/builder.int.test.ts': 12,
  'packages/db/src/migrate.int.test.ts': 11,
};
