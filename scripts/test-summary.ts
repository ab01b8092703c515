// The `N passed, N failed` line that ends `pnpm test`, from vitest's JSON report.

/** The parts of vitest's JSON report (`--reporter=json`) the summary reads. */
export interface VitestJsonReport {
  numPassedTests?: number;
  numFailedTests?: number;
  numTotalTests?: number;
  testResults?: {
    name: string;
    status: string;
    message?: string;
    assertionResults?: { status: string }[];
  }[];
}

export interface TestSummary {
  passed: number;
  failed: number;
  /** One line per file that failed outside its tests, naming it; printed before the count. */
  problems: string[];
  /** `N passed, N failed`. */
  line: string;
}

/**
 * Counts a vitest run. A file that failed without a failing test of its own (it could not load, or
 * a hook threw) counts as one failure and is named with the first line of its error, so a suite
 * that silently ran nothing cannot hide in the total. A run that ran no test at all is a failure.
 *
 * @example
 * summariseVitestReport(JSON.parse(readFileSync('.vitest-results.json', 'utf8')), process.cwd()).line;
 * // '595 passed, 1 failed'
 */
export function summariseVitestReport(report: VitestJsonReport, root: string): TestSummary {
  const passed = report.numPassedTests ?? 0;
  let failed = report.numFailedTests ?? 0;
  const problems: string[] = [];
  for (const file of report.testResults ?? []) {
    const tests = file.assertionResults ?? [];
    if (file.status !== 'failed' || tests.some((t) => t.status === 'failed')) continue;
    failed += 1;
    const what = tests.length === 0 ? 'failed to load' : 'failed outside its tests';
    problems.push(`${what}: ${relativeTo(root, file.name)}: ${firstLine(file.message)}`);
  }
  if ((report.numTotalTests ?? 0) === 0 && problems.length === 0) {
    failed += 1;
    problems.push('no test ran');
  }
  return { passed, failed, problems, line: `${passed} passed, ${failed} failed` };
}

function relativeTo(root: string, path: string): string {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

function firstLine(message: string | undefined): string {
  const line =
    (message ?? '')
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? 'no error message';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
