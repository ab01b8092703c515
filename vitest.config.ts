import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './packages/testing/src/longest-first-sequencer.ts';
import { testWorkers } from './packages/testing/src/workers.ts';

// One run for the whole workspace. Unit tests (`*.test.ts`) do no I/O and need no services;
// integration tests (`*.int.test.ts`) use real PostgreSQL and Redis, found by the global setup.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Twice the cores, fewer on a loaded machine, 1 to 8 (packages/testing/README.md, Speed), unless
    // TEST_WORKERS says (`pnpm test -- --maxWorkers=N` sets it: vitest lets this value, inherited
    // by both projects, override its own command line's).
    maxWorkers: Number(process.env.TEST_WORKERS) || testWorkers(),
    // The longest files first, also on a clean clone without vitest's cache of the last run, so the
    // run does not end with one long file alone (packages/testing/README.md, Speed).
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // apps/dashboard/web: the dashboard's browser code, whose DOM-free modules run in node.
          include: [
            '{packages,apps}/*/src/**/*.test.ts',
            'deploy/src/**/*.test.ts',
            'apps/dashboard/web/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          // *.docker.test.ts: `pnpm test:deploy` (vitest.deploy.config.ts), on a Docker engine.
          exclude: ['**/*.int.test.ts', '**/*.docker.test.ts', '**/node_modules/**'],
          // Pure functions, no I/O, no mocks, no environment changes: one worker process runs many
          // files and loads each module once, instead of a fresh process per file.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            '{packages,apps}/*/src/**/*.int.test.ts',
            'deploy/src/**/*.int.test.ts',
            'scripts/**/*.int.test.ts',
          ],
          exclude: ['**/node_modules/**'],
          globalSetup: ['./packages/testing/src/global-setup.ts'],
          // Each file works on its own databases, queue prefix and ports and closes what it opens, so
          // a worker process may run many files: a fresh process per file imported kysely, bullmq,
          // hono and pg again each time, an eighth of a whole run's CPU on two cores.
          isolate: false,
        },
      },
    ],
  },
});
