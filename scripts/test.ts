// The README's test command: runs every vitest project once and ends with the line CI reads,
// `N passed, N failed` (vitest prints its own summary, but not in that form), after naming each
// file that failed outside its tests. It says how many files ran at once and the machine's load
// average at the start and the end: on a shared machine a duration means little without it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { testWorkers } from '../packages/testing/src/workers.ts';
import { summariseVitestReport } from './test-summary.ts';

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
// `pnpm test -- --maxWorkers=2` hands the separator on; vitest would read what follows it as file filters.
const args = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'));
// Decided here rather than in vitest.config.ts, so the number printed is the number used; another
// config (`pnpm test:deploy`) or `--maxWorkers` decides for itself.
const workers = args.some((a) => /^--(maxWorkers|config)\b/.test(a)) ? null : testWorkers();
console.log(
  `${workers === null ? 'files at once: as the arguments say' : `${workers} files at once`} (${availableParallelism()} cores, load average ${load()})`,
);
const started = performance.now();

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
    ...(workers === null ? [] : [`--maxWorkers=${workers}`]),
    ...args,
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
console.log(`${Math.round((performance.now() - started) / 1000)} s (load average at the end ${load()})`);
for (const problem of summary.problems) console.log(problem);
console.log(summary.line);
process.exit(run.status === 0 && summary.failed === 0 ? 0 : 1);
