import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { EXPECTED_SECONDS } from './expected-seconds.ts';
import { longestFirst } from './longest-first.ts';

/**
 * vitest's file order with {@link longestFirst}: vitest alone orders by its cache of the last run,
 * which a clean clone (CI) does not have, and then by file size, which put the demo's `pnpm start`
 * files (short files, 45-50 s each) at the very end of the run. Sharding is vitest's own.
 */
export class LongestFirstSequencer extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const entries = files.map((spec) => {
      const path = relative(config.root, spec.moduleId);
      const key = `${spec.project.name}:${path}`;
      const last = cache.getFileTestResults(key);
      return {
        spec,
        project: spec.project.name,
        isolate: spec.project.config.isolate,
        lastSeconds: last && !last.failed ? last.duration / 1000 : undefined,
        expectedSeconds: EXPECTED_SECONDS[path],
        size: cache.getFileStats(key)?.size ?? 0,
      };
    });
    return Promise.resolve(longestFirst(entries).map((e) => e.spec));
  }
}
