// Charts: uPlot (about 50 kB minified, canvas, draws thousands of points in a few ms) for the time
// series, and small SVG/HTML for the state timeline and the share bars, which need no axes engine.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

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
  /** Fixed x range, epoch seconds (a whole day), so a partial day shows where it stops. */
  xRange?: [number, number];
  /** Axis labels: local `HH:MM` (a day) or `MM-DD` (a range of days). */
  xLabels: (epochMs: number) => string;
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

  const build = (width: number): uPlot.Options => ({
    width,
    height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), options.zone),
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true, ...(options.xRange ? { range: options.xRange } : {}) },
      ...Object.fromEntries(scales.map((s) => [s, { auto: true }])),
    },
    axes: [
      {
        stroke: text,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid },
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
      {},
      ...options.series.map((s) => {
        const color = css(s.color);
        return {
          label: s.label,
          scale: s.scale ?? 'y',
          stroke: color,
          width: s.kind === 'bar' ? 1 : 2,
          ...(s.kind === 'bar' ? { fill: `${color}cc`, paths: bars } : {}),
          points: { show: s.kind === 'line' && options.x.length < 3 },
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
  // A tick every 3 hours of the machine's wall clock (a DST day has 23 or 25 hours), as HTML under
  // the stretched SVG so the labels keep their shape.
  const ticks = document.createElement('div');
  ticks.className = 'timeline-ticks';
  ticks.setAttribute('aria-hidden', 'true');
  for (let t = dayStart; t < dayEnd; t += 3_600_000) {
    const label = hourLabel(t);
    if (!/^(00|03|06|09|12|15|18|21):00$/.test(label)) continue;
    const tick = document.createElement('span');
    tick.style.left = `${(scale(t) / width) * 100}%`;
    tick.textContent = label;
    ticks.append(tick);
  }
  const wrap = document.createElement('div');
  wrap.className = 'timeline-wrap';
  wrap.append(svg, ticks);
  return wrap;
}

/** A horizontal 100 % bar of shares, each part with `data-share` and `data-value` (percent). */
export function shareBar(parts: Array<{ key: string; label: string; percent: number }>): HTMLElement {
  const bar = document.createElement('div');
  bar.className = 'share-bar';
  bar.setAttribute('role', 'img');
  bar.setAttribute('aria-label', parts.map((p) => `${p.label} ${p.percent.toFixed(1)} %`).join(', '));
  for (const part of parts) {
    const span = document.createElement('span');
    span.className = `share share-${part.key}`;
    span.style.width = `${Math.max(0, part.percent)}%`;
    span.dataset.share = part.key;
    span.dataset.value = String(part.percent);
    span.title = `${part.label}: ${part.percent.toFixed(1)} %`;
    bar.append(span);
  }
  return bar;
}
