import { describe, expect, it } from 'vitest';
import { MAX_TEST_WORKERS, testWorkers } from './workers.ts';

describe('testWorkers', () => {
  it('runs twice as many files as cores up to a load of 4 per core, at most eight', () => {
    expect(testWorkers(2, 0)).toBe(4);
    expect(testWorkers(2, 0.3)).toBe(4);
    expect(testWorkers(2, 8)).toBe(4);
    expect(testWorkers(1, 0)).toBe(2);
    expect(testWorkers(16, 0)).toBe(MAX_TEST_WORKERS);
  });

  it('runs fewer as the load climbs, one file at a time from 8 per core', () => {
    expect(testWorkers(2, 10)).toBe(3);
    expect(testWorkers(2, 12)).toBe(2);
    expect(testWorkers(2, 16)).toBe(1);
    expect(testWorkers(2, 24)).toBe(1);
    expect(testWorkers(16, 100)).toBe(MAX_TEST_WORKERS);
  });
});
