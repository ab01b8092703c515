import { describe, expect, it } from 'vitest';
import { MAX_TEST_WORKERS, testWorkers } from './workers.ts';

describe('testWorkers', () => {
  it('runs twice as many files as cores on a quiet machine, at most eight', () => {
    expect(testWorkers(2, 0)).toBe(4);
    expect(testWorkers(2, 0.3)).toBe(4);
    expect(testWorkers(1, 0)).toBe(2);
    expect(testWorkers(16, 0)).toBe(MAX_TEST_WORKERS);
  });

  it('leaves out the cores others are using, down to one file at a time', () => {
    expect(testWorkers(2, 1)).toBe(3);
    expect(testWorkers(2, 2.1)).toBe(2);
    expect(testWorkers(2, 3.6)).toBe(1);
    expect(testWorkers(2, 24)).toBe(1);
    expect(testWorkers(16, 20)).toBe(MAX_TEST_WORKERS);
  });
});
