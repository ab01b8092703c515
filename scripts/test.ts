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
// `pnpm test -- --maxWorkers=2` hands the separator on, and vitest ignores whatever follows one.
const args = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'));
// Files at once: decided here, so the number printed is the number used, and handed to
// vitest.config.ts as TEST_WORKERS (vitest would let the projects' own maxWorkers override a
// `--maxWorkers` on its command line). Another config (`pnpm test:deploy`) decides for itself.
const asked = takeMaxWorkers(args);
const workers = asked ?? testWorkers();
const ownConfig = !args.some((a) => /^--config\b/.test(a));
if (ownConfig) {
  console.log(
    `${workers} files at once${asked === null ? '' : ' (--maxWorkers)'} (${availableParallelism()} cores, load average ${load()})`,
  );
}
const started = performance.now();

const results = '.vitest-results.json';
rmSync(results, { force: true });
const run = spawnSync(
  'pnpm',
  ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...args],
  { stdio: 'inherit', env: { ...process.env, TEST_WORKERS: String(workers) } },
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

/** Removes `--maxWorkers=N` / `--maxWorkers N` from `args` and returns N (null when absent). */
function takeMaxWorkers(args: string[]): number | null {
  const at = args.findIndex((a) => /^--maxWorkers(=|$)/.test(a));
  if (at === -1) return null;
  const [flag] = args.splice(at, 1);
  const text = flag?.includes('=') ? flag.slice(flag.indexOf('=') + 1) : args.splice(at, 1)[0];
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`pnpm test: --maxWorkers must be a whole number from 1, not ${text ?? 'nothing'}`);
    process.exit(2);
  }
  return n;
}
