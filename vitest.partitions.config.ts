import { defineConfig } from 'vitest/config';

// `pnpm test:partitions`: worker processes on separate network hosts (Linux network namespaces the
// test creates), faults injected into one host (apps/worker/partitions/README.md). Not part of
// `pnpm test`: it needs root, iproute2 and iptables, and minutes. One file, its tests in order, one fork.
export default defineConfig({
  test: {
    include: ['apps/worker/partitions/**/*.partition.test.ts'],
    testTimeout: 6 * 60_000,
    hookTimeout: 5 * 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
