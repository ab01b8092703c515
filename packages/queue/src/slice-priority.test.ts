import { describe, expect, it } from 'vitest';
import { slicePriority } from './slice-priority.ts';

describe('slicePriority', () => {
  it('puts every work slice before any refresh, the newest day first within each', () => {
    const days = ['1999-03-01', '2024-01-10', '2026-12-07', '2026-12-08'];
    const work = days.map((d) => slicePriority('work', d));
    const refresh = days.map((d) => slicePriority('refresh', d));
    expect([...work].sort((a, b) => b - a)).toEqual(work); // newer day, smaller (more urgent) number
    expect([...refresh].sort((a, b) => b - a)).toEqual(refresh);
    expect(Math.max(...work)).toBeLessThan(Math.min(...refresh));
    expect(slicePriority('work', '2026-12-08')).toBe(slicePriority('work', '2026-12-07') - 1);
  });

  it('stays within BullMQ priorities (1 to 2^21 - 1) for any day', () => {
    for (const day of ['0001-01-01', '1970-01-01', '2100-01-01', '9999-12-31']) {
      for (const tier of ['work', 'refresh'] as const) {
        const p = slicePriority(tier, day);
        expect(Number.isInteger(p) && p >= 1 && p < 2 ** 21, `${tier} ${day}: ${p}`).toBe(true);
      }
    }
  });
});
