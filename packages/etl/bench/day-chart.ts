// One chart of a machine's days as a self-contained SVG string (no scripts, no external fonts, no
// links): per day a stacked bar of running / unplanned down / planned down hours out of the day's
// length, kWh as dots on a second axis (joined between consecutive days that have a value), and the
// day's error alerts as small labels above the bars. Pure: the same days give the same bytes.

export interface ChartDay {
  /** `YYYY-MM-DD`. */
  day: string;
  /** The day's length: 23, 24 or 25 hours. */
  dayHours: number;
  runningHours: number;
  unplannedDownHours: number;
  plannedDownHours: number;
  /** `null`: no hour with a valid load. */
  kwh: number | null;
  errors: number;
  /** The horizon is before the day's end: the rest of the day is in no state. */
  partial: boolean;
}

export interface ChartText {
  title: string;
  subtitle: string;
  credit: string;
}

const W = 980;
const H = 524;
const PLOT = { left: 70, right: W - 78, top: 136, bottom: H - 84 };
const FONT = "font-family=\"'DejaVu Sans', 'Helvetica Neue', Helvetica, Arial, sans-serif\"";
const COLOR = {
  running: '#2e7d32',
  unplanned: '#f0a03c',
  planned: '#cdd3da',
  rest: '#9aa1a8',
  kwh: '#1f3f99',
  error: '#c62828',
  text: '#222',
  muted: '#666',
  grid: '#e3e3e3',
};
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Rounds a coordinate to 0.1 px, so the markup stays short and stable. */
const n = (x: number) => String(Math.round(x * 10) / 10);

export const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);

/** Rough text width for the layout (DejaVu Sans is about 0.55 em per lower-case character). */
const textWidth = (s: string, size: number) => s.length * size * 0.55;

/**
 * A top for an axis with `intervals` equal steps, the smallest "round" step (1, 1.5, 2, 2.5, 3, 4, 5,
 * 6, 8 × 10^k) whose top reaches `max`; `max <= 0` gives a top of 1.
 */
export function niceAxis(max: number, intervals: number): { top: number; step: number; decimals: number } {
  if (!(max > 0)) return { top: 1, step: 1 / intervals, decimals: decimalsOf(1 / intervals) };
  const raw = max / intervals;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const factor = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((f) => f * magnitude * intervals >= max - 1e-12)!;
  const step = factor * magnitude;
  return { top: step * intervals, step, decimals: decimalsOf(step) };
}

function decimalsOf(step: number): number {
  let d = 0;
  while (d < 6 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-9) d++;
  return d;
}

function dayLabel(day: string): { weekday: string; date: string; weekend: boolean } {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return {
    weekday: WEEKDAYS[weekday]!,
    date: `${d} ${MONTHS[m - 1]}`,
    weekend: weekday === 0 || weekday === 6,
  };
}

const hours = (h: number) => `${h.toFixed(2)} h`;

export function dayChartSvg(days: readonly ChartDay[], text: ChartText): string {
  if (days.length === 0) throw new Error('dayChartSvg: no days');
  const plotW = PLOT.right - PLOT.left;
  const plotH = PLOT.bottom - PLOT.top;
  const band = plotW / days.length;
  const barW = Math.min(band * 0.64, 48);
  const cx = (i: number) => PLOT.left + band * (i + 0.5);

  // Left axis: hours in steps of 6 (a 25-hour day gets a 30-hour axis); the kWh axis shares its grid.
  const intervals = Math.ceil(Math.max(...days.map((d) => d.dayHours)) / 6 - 1e-9);
  const hoursTop = intervals * 6;
  const yH = (h: number) => PLOT.bottom - (h / hoursTop) * plotH;
  const kwhAxis = niceAxis(Math.max(0, ...days.map((d) => d.kwh ?? 0)), intervals);
  const yK = (k: number) => PLOT.bottom - (k / kwhAxis.top) * plotH;
  const anyPartial = days.some((d) => d.partial);

  const out: string[] = [];
  const push = (s: string) => out.push(s);
  const label = (x: number, y: number, s: string, attrs = '') =>
    push(`<text x="${n(x)}" y="${n(y)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(s)}</text>`);

  push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      `role="img" aria-labelledby="chart-title chart-desc" ${FONT} font-size="12" fill="${COLOR.text}">`,
  );
  push(`<title id="chart-title">${escapeXml(text.title)}</title>`);
  push(
    `<desc id="chart-desc">${escapeXml(
      `${text.subtitle}. Per day: hours running, unplanned down and planned down (stacked, left axis), ` +
        `kWh (dots, right axis) and the number of error alerts (labels above the bars). ${text.credit}`,
    )}</desc>`,
  );
  push(
    '<defs><pattern id="rest" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      `<rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="${COLOR.rest}" stroke-width="2"/>` +
      '</pattern></defs>',
  );
  push(`<rect width="${W}" height="${H}" fill="#fff"/>`);

  // Title and subtitle.
  label(PLOT.left, 30, text.title, 'font-size="18" font-weight="bold"');
  label(PLOT.left, 51, text.subtitle, `font-size="13" fill="${COLOR.muted}"`);

  // Legend, one row.
  {
    let x = PLOT.left;
    const y = 82;
    const item = (swatch: string, s: string, swatchW = 14) => {
      push(swatch);
      label(x + swatchW + 6, y + 4, s);
      x += swatchW + 6 + textWidth(s, 12) + 22;
    };
    const box = (fill: string) =>
      `<rect x="${n(x)}" y="${y - 7}" width="14" height="14" fill="${fill}" stroke="#8a9096" stroke-width="0.8"/>`;
    item(box(COLOR.running), 'running');
    item(box(COLOR.unplanned), 'unplanned down (idle)');
    item(box(COLOR.planned), 'planned down (off)');
    if (anyPartial) item(box('url(#rest)'), 'after last reading');
    item(
      `<line x1="${n(x)}" y1="${y}" x2="${n(x + 22)}" y2="${y}" stroke="${COLOR.kwh}" stroke-width="2"/>` +
        `<circle cx="${n(x + 11)}" cy="${y}" r="4" fill="${COLOR.kwh}" stroke="#fff" stroke-width="1.5"/>`,
      'kWh (right axis)',
      22,
    );
    item(errorPill(x + 9, y, 3), 'error alerts', 18);
  }

  // Grid and axes.
  for (let i = 0; i <= intervals; i++) {
    const y = yH(i * 6);
    push(`<line x1="${PLOT.left}" y1="${n(y)}" x2="${PLOT.right}" y2="${n(y)}" stroke="${COLOR.grid}"/>`);
    label(PLOT.left - 8, y + 4, String(i * 6), 'text-anchor="end"');
    label(PLOT.right + 8, y + 4, (i * kwhAxis.step).toFixed(kwhAxis.decimals), `fill="${COLOR.kwh}"`);
  }
  const midY = (PLOT.top + PLOT.bottom) / 2;
  label(22, midY, 'hours of the day', `text-anchor="middle" transform="rotate(-90 22 ${n(midY)})"`);
  label(
    W - 20,
    midY,
    'energy, kWh',
    `text-anchor="middle" fill="${COLOR.kwh}" transform="rotate(90 ${W - 20} ${n(midY)})"`,
  );

  // Error alerts, one label per day above the plot.
  const errorsY = PLOT.top - 20;
  label(PLOT.left - 8, errorsY + 4, 'errors', `text-anchor="end" font-size="11" fill="${COLOR.error}"`);
  days.forEach((d, i) => {
    if (d.errors > 0) push(errorPill(cx(i), errorsY, d.errors));
    else label(cx(i), errorsY + 4, '0', `text-anchor="middle" font-size="11" fill="#bbb"`);
  });

  // Bars.
  days.forEach((d, i) => {
    const x = cx(i) - barW / 2;
    const segments: [number, string][] = [
      [d.runningHours, COLOR.running],
      [d.unplannedDownHours, COLOR.unplanned],
      [d.plannedDownHours, COLOR.planned],
    ];
    const known = d.runningHours + d.unplannedDownHours + d.plannedDownHours;
    if (d.dayHours - known > 1e-6) segments.push([d.dayHours - known, 'url(#rest)']);
    const tip =
      `${d.day}: running ${hours(d.runningHours)}, unplanned down ${hours(d.unplannedDownHours)}, ` +
      `planned down ${hours(d.plannedDownHours)}` +
      (d.partial ? `, after last reading ${hours(Math.max(0, d.dayHours - known))}` : '') +
      `; ${d.kwh === null ? 'no kWh' : `${d.kwh.toFixed(3)} kWh`}; ${d.errors} error alerts`;
    push(`<g><title>${escapeXml(tip)}</title>`);
    let at = 0;
    for (const [h, fill] of segments) {
      if (h <= 0) continue;
      push(
        `<rect x="${n(x)}" y="${n(yH(at + h))}" width="${n(barW)}" height="${n(yH(at) - yH(at + h))}" fill="${fill}"/>`,
      );
      at += h;
    }
    push(
      `<rect x="${n(x)}" y="${n(yH(d.dayHours))}" width="${n(barW)}" height="${n(yH(0) - yH(d.dayHours))}" ` +
        'fill="none" stroke="#8a9096" stroke-width="0.8"/></g>',
    );
  });
  push(
    `<line x1="${PLOT.left}" y1="${PLOT.bottom}" x2="${PLOT.right}" y2="${PLOT.bottom}" stroke="#444" stroke-width="1"/>`,
  );

  // kWh: a line between consecutive days with a value, a dot on each (a white halo keeps both
  // readable over the bars).
  const segments: string[] = [];
  days.forEach((d, i) => {
    const prev = days[i - 1]?.kwh ?? null;
    if (d.kwh !== null && prev !== null)
      segments.push(`M${n(cx(i - 1))} ${n(yK(prev))}L${n(cx(i))} ${n(yK(d.kwh))}`);
  });
  if (segments.length > 0) {
    const path = segments.join('');
    push(`<path d="${path}" fill="none" stroke="#fff" stroke-width="5" stroke-linecap="round"/>`);
    push(`<path d="${path}" fill="none" stroke="${COLOR.kwh}" stroke-width="2" stroke-linecap="round"/>`);
  }
  days.forEach((d, i) => {
    if (d.kwh === null) return;
    push(
      `<circle cx="${n(cx(i))}" cy="${n(yK(d.kwh))}" r="4.5" fill="${COLOR.kwh}" stroke="#fff" stroke-width="1.5">` +
        `<title>${escapeXml(`${d.day}: ${d.kwh.toFixed(3)} kWh`)}</title></circle>`,
    );
  });

  // Day labels: weekday over date; weekends muted, partial days marked.
  days.forEach((d, i) => {
    const { weekday, date, weekend } = dayLabel(d.day);
    const fill = weekend ? `fill="${COLOR.muted}"` : '';
    label(cx(i), PLOT.bottom + 18, weekday, `text-anchor="middle" font-size="11" ${fill}`.trimEnd());
    label(cx(i), PLOT.bottom + 33, date, `text-anchor="middle" font-size="11" ${fill}`.trimEnd());
    if (d.partial)
      label(cx(i), PLOT.bottom + 48, 'partial', `text-anchor="middle" font-size="10" fill="${COLOR.muted}"`);
  });

  label(PLOT.left, H - 16, text.credit, `font-size="11" fill="${COLOR.muted}"`);
  push('</svg>');
  return `${out.join('\n')}\n`;
}

function errorPill(x: number, y: number, count: number): string {
  const s = String(count);
  const w = Math.max(18, textWidth(s, 11) + 10);
  return (
    `<rect x="${n(x - w / 2)}" y="${n(y - 8)}" width="${n(w)}" height="16" rx="8" fill="${COLOR.error}"/>` +
    `<text x="${n(x)}" y="${n(y + 4)}" text-anchor="middle" font-size="11" font-weight="bold" fill="#fff">${s}</text>`
  );
}
