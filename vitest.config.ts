import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Integration files spend most of their time waiting on PostgreSQL, Redis, a browser or a child
// process, so running twice as many files as there are cores keeps the cores busy (vitest's default,
// cores - 1, runs them one by one on a 2-core machine). Bounded: each file holds databases, pools and
// sometimes a child process of its own. `pnpm test -- --maxWorkers=N` overrides it.
const maxWorkers = Math.min(8, Math.max(2, availableParallelism() * 2));

// One run for the whole workspace. Unit tests (`*.test.ts`) do no I/O and need no services;
// integration tests (`*.int.test.ts`) use real PostgreSQL and Redis, found by the global setup.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{packages,apps}/*/src/**/*.test.ts', 'scripts/**/*.test.ts'],
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
          include: ['{packages,apps}/*/src/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['./packages/testing/src/global-setup.ts'],
        },
      },
    ],
  },
});
