import { describe, expect, it } from 'vitest';
import { classifyRun, defaultStaleRules, type LedgerRun, worstStatus } from './due-slices.ts';

const now = new Date('2024-11-05T12:00:00Z');
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const run = (over: Partial<LedgerRun>): LedgerRun => ({
  status: 'succeeded',
  complete: true,
  started_at: ago(10),
  finished_at: ago(9),
  ...over,
});

describe('classifyRun', () => {
  it.each<[string, LedgerRun | undefined, string]>([
    ['no row', undefined, 'missing'],
    ['failed', run({ status: 'failed', complete: false }), 'failed'],
    ['succeeded, complete', run({}), 'complete'],
    ['succeeded, complete long ago', run({ finished_at: ago(10_000) }), 'complete'],
    ['partial, fresh', run({ complete: false, finished_at: ago(119) }), 'partial'],
    ['partial, just over 2 h', run({ complete: false, finished_at: ago(121) }), 'stale'],
    [
      'running, fresh',
      run({ status: 'running', complete: false, started_at: ago(59), finished_at: null }),
      'running',
    ],
    [
      'running for over 1 h',
      run({ status: 'running', complete: false, started_at: ago(61), finished_at: null }),
      'stale',
    ],
  ])('%s', (_name, r, expected) => {
    expect(classifyRun(r, now, defaultStaleRules)).toBe(expected);
  });

  it('takes its thresholds from the rules', () => {
    const r = run({ complete: false, finished_at: ago(30) });
    expect(classifyRun(r, now, { partialAfterMs: 10 * 60_000, runningAfterMs: 60_000 })).toBe('stale');
  });
});

describe('worstStatus', () => {
  it('orders failed, stale, missing, running, partial, complete', () => {
    expect(worstStatus(['complete', 'partial'])).toBe('partial');
    expect(worstStatus(['running', 'missing', 'partial'])).toBe('missing');
    expect(worstStatus(['missing', 'stale'])).toBe('stale');
    expect(worstStatus(['stale', 'failed', 'complete'])).toBe('failed');
    expect(worstStatus([])).toBe('complete');
  });
});
