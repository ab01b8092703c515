import { localMidnight } from './time.ts';

// The charts' axes as numbers: where ticks and bars stand and how far a scale reaches. No DOM, no
// uPlot here: charts.ts and the views draw with them.

/**
 * A round number at or above `max`, for the top of a zero-based axis.
 *
 * @example
 * niceCeiling(595); // 600
 * niceCeiling(0.37); // 0.4
 */
export function niceCeiling(max: number): number {
  const step = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * step >= max) return m * step;
  return 10 * step;
}

/** Labels stand at least this many CSS pixels apart. */
const minTickSpacing = 56;

/**
 * Every k-th of `ticks`, the first included, so that labels stand at least 56 CSS pixels apart on a
 * plot `width` wide.
 *
 * @example
 * thinned(days31, 560); // every 4th day
 */
export function thinned(ticks: number[], width: number): number[] {
  const every = Math.max(1, Math.ceil((ticks.length * minTickSpacing) / Math.max(1, width)));
  return ticks.filter((_, i) => i % every === 0);
}

/**
 * A hovered value in a legend: 3 significant decimals at most.
 *
 * @example
 * legendValue(595.04); // '595.0'
 * legendValue(0.1234); // '0.123'
 */
export function legendValue(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
}

/**
 * The x axis of one bar per day: each bar 12 hours after its local midnight (epoch seconds), the
 * range half a day wider on each side, so neither the first nor the last bar is cut at an edge.
 *
 * @example
 * dayBars(['2024-10-26', '2024-10-27'], 'Europe/Madrid').x; // [1729936800, 1730023200]
 */
export function dayBars(days: readonly string[], zone: string): { x: number[]; range: [number, number] } {
  const x = days.map((d) => localMidnight(d, zone) / 1000 + 43_200);
  return { x, range: [(x[0] ?? 0) - 43_200, (x.at(-1) ?? 0) + 43_200] };
}

/**
 * The labelled ticks under a day's state timeline: every 3 hours of the machine's wall clock (a DST
 * day has 23 or 25 hours, so they are found by label, not by counting), each at its share of the day.
 *
 * @example
 * timelineTicks(dayStart, dayEnd, hourLabel)[1]; // { label: '03:00', percent: 12.5 }
 */
export function timelineTicks(
  dayStart: number,
  dayEnd: number,
  hourLabel: (ms: number) => string,
): Array<{ label: string; percent: number }> {
  const ticks: Array<{ label: string; percent: number }> = [];
  for (let t = dayStart; t < dayEnd; t += 3_600_000) {
    const label = hourLabel(t);
    if (/^(00|03|06|09|12|15|18|21):00$/.test(label)) {
      ticks.push({ label, percent: ((t - dayStart) / (dayEnd - dayStart)) * 100 });
    }
  }
  return ticks;
}
