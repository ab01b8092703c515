import { defineConfig } from 'vitest/config';

// `pnpm test:deploy`: the deployment built and run on a Docker engine (deploy/README.md). Not
// part of `pnpm test`: it needs Docker, and minutes. One file, its tests in order, one fork.
export default defineConfig({
  test: {
    include: ['deploy/src/**/*.docker.test.ts'],
    testTimeout: 10 * 60_000,
    hookTimeout: 30 * 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
