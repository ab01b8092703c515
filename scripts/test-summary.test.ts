import { describe, expect, it } from 'vitest';
import { summariseVitestReport, type VitestJsonReport } from './test-summary.ts';

const ROOT = '/home/user/repo';

// The shape vitest 4 writes with --reporter=json: a file that throws while loading has status
// 'failed', its error in `message`, and no assertion results.
const cannotLoad = {
  assertionResults: [],
  status: 'failed',
  message:
    "ENOENT: no such file or directory, scandir '/home/user/elsewhere/nist-mazak01/'\n    at readdirSync (node:fs:1507:3)",
  name: `${ROOT}/packages/raw/src/shdr/import-shdr.int.test.ts`,
};
const passing = {
  assertionResults: [{ status: 'passed' }, { status: 'passed' }],
  status: 'passed',
  message: '',
  name: `${ROOT}/packages/etl/src/intervals.test.ts`,
};

describe('summariseVitestReport', () => {
  it('names a suite that failed to load, with the first line of its error, and counts it once', () => {
    const report: VitestJsonReport = {
      numTotalTests: 2,
      numPassedTests: 2,
      numFailedTests: 0,
      testResults: [passing, cannotLoad],
    };
    expect(summariseVitestReport(report, ROOT)).toEqual({
      passed: 2,
      failed: 1,
      problems: [
        "failed to load: packages/raw/src/shdr/import-shdr.int.test.ts: ENOENT: no such file or directory, scandir '/home/user/elsewhere/nist-mazak01/'",
      ],
      line: '2 passed, 1 failed',
    });
  });

  it('names a file whose hook threw while none of its tests failed', () => {
    const report: VitestJsonReport = {
      numTotalTests: 1,
      numPassedTests: 0,
      numFailedTests: 0,
      testResults: [
        {
          assertionResults: [{ status: 'skipped' }],
          status: 'failed',
          message: 'connect ECONNREFUSED 127.0.0.1:5432',
          name: `${ROOT}/apps/api/src/server.int.test.ts`,
        },
      ],
    };
    const summary = summariseVitestReport(report, ROOT);
    expect(summary.problems).toEqual([
      'failed outside its tests: apps/api/src/server.int.test.ts: connect ECONNREFUSED 127.0.0.1:5432',
    ]);
    expect(summary.line).toBe('0 passed, 1 failed');
  });

  it('does not count a file twice when its own tests failed', () => {
    const report: VitestJsonReport = {
      numTotalTests: 2,
      numPassedTests: 1,
      numFailedTests: 1,
      testResults: [
        {
          assertionResults: [{ status: 'passed' }, { status: 'failed' }],
          status: 'failed',
          name: `${ROOT}/packages/etl/src/a.test.ts`,
        },
      ],
    };
    expect(summariseVitestReport(report, ROOT)).toMatchObject({ failed: 1, problems: [] });
  });

  it('counts a run that ran nothing as a failure', () => {
    expect(summariseVitestReport({ numTotalTests: 0, testResults: [] }, ROOT)).toMatchObject({
      passed: 0,
      failed: 1,
      problems: ['no test ran'],
    });
  });

  it('keeps the reason to one line, cut when very long', () => {
    const long = { ...cannotLoad, message: `\n\n${'x'.repeat(500)}\nsecond line` };
    const [problem] = summariseVitestReport({ numTotalTests: 0, testResults: [long] }, ROOT).problems;
    expect(problem).toMatch(/^failed to load: packages\/raw\/src\/shdr\/import-shdr.int.test.ts: x+…$/);
    expect(problem!.length).toBeLessThan(300);
  });
});
