import { defineConfig } from 'vitest/config';

// One run for the whole workspace. Unit tests (`*.test.ts`) do no I/O and need no services;
// integration tests (`*.int.test.ts`) use real PostgreSQL and Redis, found by the global setup.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // apps/dashboard/web: the dashboard's browser code, whose DOM-free modules run in node.
          include: [
            '{packages,apps}/*/src/**/*.test.ts',
            'apps/dashboard/web/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          // *.docker.test.ts: `pnpm test:deploy` (vitest.deploy.config.ts), on a Docker engine.
          exclude: ['**/*.int.test.ts', '**/*.docker.test.ts', '**/node_modules/**'],
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
