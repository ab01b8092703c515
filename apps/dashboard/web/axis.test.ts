import { describe, expect, it } from 'vitest';
import { dayBars, legendValue, niceCeiling, thinned, timelineTicks } from './axis.ts';
import { localMidnight, localTime } from './time.ts';

const zone = 'Europe/Madrid';

describe('niceCeiling: the top of a zero-based bar axis', () => {
  it('is the next round number at or above the largest value', () => {
    expect(niceCeiling(595)).toBe(600);
    expect(niceCeiling(374)).toBe(400);
    expect(niceCeiling(100)).toBe(100);
    expect(niceCeiling(101)).toBe(120);
    expect(niceCeiling(0.37)).toBeCloseTo(0.4, 12);
    expect(niceCeiling(9.5)).toBe(10);
  });
});

describe('thinned: day labels at least 56 px apart', () => {
  const days = Array.from({ length: 31 }, (_, i) => i);

  it('keeps every tick when they fit', () => {
    expect(thinned(days.slice(0, 7), 800)).toEqual(days.slice(0, 7));
  });

  it('keeps every k-th from the first when they do not', () => {
    // 31 labels x 56 px on 560 px: every 4th.
    expect(thinned(days, 560)).toEqual([0, 4, 8, 12, 16, 20, 24, 28]);
  });

  it('keeps the first one on a plot not laid out yet (width 0)', () => {
    expect(thinned(days, 0)).toEqual([0]);
  });
});

describe('legendValue: a hovered value', () => {
  it('has 3 significant decimals at most', () => {
    expect(legendValue(595.04)).toBe('595.0');
    expect(legendValue(12.345)).toBe('12.35');
    expect(legendValue(0.1234)).toBe('0.123');
    expect(legendValue(-150)).toBe('-150.0');
  });
});

describe('dayBars: one bar per day, none cut at an edge', () => {
  it('puts each bar 12 h after its local midnight, the range half a day wider each side', () => {
    const days = ['2024-10-25', '2024-10-26', '2024-10-27', '2024-10-28'];
    const { x, range } = dayBars(days, zone);
    expect(x).toEqual(days.map((d) => localMidnight(d, zone) / 1000 + 43_200));
    expect(range).toEqual([(x[0] as number) - 43_200, (x[3] as number) + 43_200]);
    // The 27th has 25 hours (the clocks go back): its bar is still 12 h after its midnight.
    expect((x[3] as number) - (x[2] as number)).toBe(25 * 3600);
    expect((x[2] as number) - (x[1] as number)).toBe(24 * 3600);
  });
});

describe('timelineTicks: every 3 hours of the machine’s wall clock', () => {
  const hour = (ms: number) => localTime(ms, zone);
  const labels = ['00:00', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00'];

  it('are eighths of an ordinary day', () => {
    const start = localMidnight('2024-10-24', zone);
    const ticks = timelineTicks(start, localMidnight('2024-10-25', zone), hour);
    expect(ticks).toEqual(labels.map((label, i) => ({ label, percent: i * 12.5 })));
  });

  it('stand by the wall clock on the 25-hour day: 03:00 comes four hours after midnight', () => {
    const start = localMidnight('2024-10-27', zone);
    const ticks = timelineTicks(start, localMidnight('2024-10-28', zone), hour);
    expect(ticks.map((t) => t.label)).toEqual(labels);
    expect(ticks.map((t) => t.percent)).toEqual([0, 4, 7, 10, 13, 16, 19, 22].map((h) => (h / 25) * 100));
  });

  it('and on the 23-hour day, two hours after', () => {
    const start = localMidnight('2024-03-31', zone);
    const ticks = timelineTicks(start, localMidnight('2024-04-01', zone), hour);
    expect(ticks.map((t) => t.label)).toEqual(labels);
    expect(ticks.map((t) => t.percent)).toEqual([0, 2, 5, 8, 11, 14, 17, 20].map((h) => (h / 23) * 100));
  });
});
