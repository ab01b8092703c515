// Charts: uPlot (about 50 kB minified, canvas, draws thousands of points in a few ms) for the time
// series, and small SVG/HTML for the state timeline and the share bars, which need no axes engine.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { legendValue, niceCeiling, thinned, timelineTicks } from './axis.ts';
import { shareText } from './shares.ts';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  /** A CSS custom property of the theme, e.g. `--running`. */
  color: string;
  kind: 'line' | 'bar';
  /** The axis it is read on (`y` by default); a second scale gets its own axis on the right. */
  scale?: string;
}

export interface TimeChartOptions {
  /** `data-chart` name of the figure. */
  name: string;
  /** Accessible description. */
  label: string;
  zone: string;
  /** Epoch seconds of each point. */
  x: number[];
  series: ChartSeries[];
  /** Fill between two series (1-based indexes in `series` order + 1: upper, lower). */
  band?: [number, number];
  /** Units of the `y` scale and of a second one. */
  units: Record<string, string>;
  /**
   * Fixed x range, epoch seconds: a whole day, so a partial day shows where it stops; for bars, half a
   * bar's slot beyond the first and last, so neither is cut at the edge.
   */
  xRange?: [number, number];
  /** Ticks and labels at exactly these x values (epoch seconds), thinned to fit: one per bar of days. */
  xTicks?: number[];
  /** A fixed range for a scale (`[0, 100]` for percentages); bar scales otherwise start at 0. */
  yRanges?: Record<string, [number, number]>;
  /** Axis labels: local `HH:MM` (a day) or `MM-DD` (a range of days). */
  xLabels: (epochMs: number) => string;
  /** The legend's name of the x value (`Hour`, `Day`). */
  xLegend?: string;
  height?: number;
}

const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

let firstChartMarked = false;

/**
 * A uPlot time chart in a `<figure>` that sizes itself to its container. The figure carries
 * `data-points` and, once drawn, `data-drawn`; the first chart of the page also sets the
 * `first-chart` performance mark.
 */
export function timeChart(options: TimeChartOptions): HTMLElement {
  const figure = document.createElement('figure');
  figure.className = 'chart';
  figure.dataset.chart = options.name;
  figure.dataset.points = String(options.x.length);
  figure.setAttribute('role', 'img');
  figure.setAttribute('aria-label', options.label);
  const height = options.height ?? 220;
  const text = css('--fg');
  const grid = css('--grid');
  const scales = Object.keys(options.units);
  const data = [options.x, ...options.series.map((s) => s.values)] as uPlot.AlignedData;
  const bars = uPlot.paths.bars?.({ size: [0.7, 48] });

  // Bars are read by their height: their axis starts at 0 (uPlot's auto range would start near the
  // smallest value, and 374 kWh would look a tenth of 595).
  const barScales = new Set(options.series.filter((s) => s.kind === 'bar').map((s) => s.scale ?? 'y'));
  const scaleOf = (scale: string): uPlot.Scale => {
    const fixed = options.yRanges?.[scale];
    if (fixed) return { auto: false, range: fixed };
    if (!barScales.has(scale)) return { auto: true };
    return { auto: true, range: (_u, _min, max) => [0, max > 0 ? niceCeiling(max) : 1] };
  };
  const ticks = options.xTicks;

  const build = (width: number): uPlot.Options => ({
    width,
    height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), options.zone),
    // A legend is a key until the pointer is on the chart: no `--` placeholders for values.
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true, ...(options.xRange ? { range: options.xRange } : {}) },
      ...Object.fromEntries(scales.map((s) => [s, scaleOf(s)])),
    },
    axes: [
      {
        stroke: text,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid },
        ...(ticks ? { splits: (u: uPlot) => thinned(ticks, u.bbox.width / devicePixelRatio) } : {}),
        values: (_u: uPlot, splits: number[]) => splits.map((s) => options.xLabels(s * 1000)),
      },
      ...scales.map((scale, i) => ({
        scale,
        side: i === 0 ? 3 : 1,
        stroke: text,
        grid: { show: i === 0, stroke: grid, width: 1 },
        ticks: { stroke: grid },
        label: options.units[scale],
        size: 56,
      })),
    ],
    series: [
      {
        label: options.xLegend ?? 'Time',
        value: (_u: uPlot, v: number | null) => (v === null ? '' : options.xLabels(v * 1000)),
      },
      ...options.series.map((s) => {
        const color = css(s.color);
        return {
          label: s.label,
          scale: s.scale ?? 'y',
          stroke: color,
          width: s.kind === 'bar' ? 1 : 2,
          ...(s.kind === 'bar' ? { fill: `${color}cc`, paths: bars } : {}),
          points: { show: s.kind === 'line' && options.x.length < 3 },
          value: (_u: uPlot, v: number | null) => (v === null ? '' : legendValue(v)),
        } satisfies uPlot.Series;
      }),
    ],
    bands: options.band ? [{ series: options.band, fill: `${css('--band')}55` }] : [],
    hooks: {
      draw: [
        () => {
          figure.dataset.drawn = 'true';
          if (!firstChartMarked) {
            firstChartMarked = true;
            performance.mark('first-chart');
          }
        },
      ],
    },
  });

  let plot: uPlot | null = null;
  const observer = new ResizeObserver((entries) => {
    const width = Math.floor(entries[0]?.contentRect.width ?? 0);
    if (width <= 0) return;
    if (plot) plot.setSize({ width, height });
    else plot = new uPlot(build(width), data, figure);
  });
  observer.observe(figure);
  return figure;
}

export type MachineState = 'running' | 'idle' | 'off' | 'unknown';

export interface StateSpan {
  state: MachineState;
  from: number;
  to: number;
}

/**
 * The day's state timeline as an SVG strip: one rect per span (with `data-state`, `data-from`,
 * `data-to` in epoch ms), hour ticks in the machine's zone below.
 */
export function stateTimeline(
  spans: StateSpan[],
  dayStart: number,
  dayEnd: number,
  zone: string,
  hourLabel: (ms: number) => string,
): HTMLElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const width = 1000;
  svg.setAttribute('viewBox', `0 0 ${width} 30`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'timeline');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `State timeline, ${zone} time`);
  const scale = (ms: number) => ((ms - dayStart) / (dayEnd - dayStart)) * width;
  for (const span of spans) {
    const rect = document.createElementNS(ns, 'rect');
    rect.setAttribute('x', String(scale(span.from)));
    rect.setAttribute('y', '0');
    rect.setAttribute('width', String(Math.max(0.5, scale(span.to) - scale(span.from))));
    rect.setAttribute('height', '30');
    rect.setAttribute('class', `state-${span.state}`);
    rect.dataset.state = span.state;
    rect.dataset.from = String(span.from);
    rect.dataset.to = String(span.to);
    const title = document.createElementNS(ns, 'title');
    title.textContent = `${span.state}: ${hourLabel(span.from)}–${hourLabel(span.to)}`;
    rect.append(title);
    svg.append(rect);
  }
  // The ticks as HTML under the stretched SVG, so the labels keep their shape.
  const ticks = document.createElement('div');
  ticks.className = 'timeline-ticks';
  ticks.setAttribute('aria-hidden', 'true');
  for (const { label, percent } of timelineTicks(dayStart, dayEnd, hourLabel)) {
    const tick = document.createElement('span');
    tick.style.left = `${percent}%`;
    tick.textContent = label;
    ticks.append(tick);
  }
  const wrap = document.createElement('div');
  wrap.className = 'timeline-wrap';
  wrap.append(svg, ticks);
  return wrap;
}

/**
 * A horizontal 100 % bar of served shares, each part with `data-share` and `data-value` (percent);
 * `kind` picks its colour when it differs from the key (the part after a stop is `off`).
 */
export function shareBar(
  parts: Array<{ key: string; label: string; percent: number; kind?: string }>,
): HTMLElement {
  const bar = document.createElement('div');
  bar.className = 'share-bar';
  bar.setAttribute('role', 'img');
  bar.setAttribute('aria-label', parts.map((p) => `${p.label} ${shareText(p.percent)}`).join(', '));
  for (const part of parts) {
    const span = document.createElement('span');
    span.className = `share share-${part.kind ?? part.key}`;
    span.style.width = `${Math.max(0, part.percent)}%`;
    span.dataset.share = part.key;
    span.dataset.value = String(part.percent);
    span.title = `${part.label}: ${shareText(part.percent)}`;
    bar.append(span);
  }
  return bar;
}
