// The README's test command: runs every vitest project once and ends with the line CI reads,
// `N passed, N failed` (vitest prints its own summary, but not in that form), after naming each
// file that failed outside its tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { summariseVitestReport } from './test-summary.ts';

const results = '.vitest-results.json';
rmSync(results, { force: true });
const run = spawnSync(
  'pnpm',
  [
    'exec',
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${results}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
const summary = existsSync(results)
  ? summariseVitestReport(JSON.parse(readFileSync(results, 'utf8')), process.cwd())
  : {
      passed: 0,
      failed: 1,
      problems: [`vitest wrote no report (exit ${run.status ?? run.signal})`],
      line: '0 passed, 1 failed',
    };
for (const problem of summary.problems) console.log(problem);
console.log(summary.line);
process.exit(run.status === 0 && summary.failed === 0 ? 0 : 1);
