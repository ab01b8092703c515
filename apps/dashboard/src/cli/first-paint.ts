// `pnpm dashboard first-paint <base-url> [--runs N] [--screenshot <file>]`: loads the
// dashboard's plant and machine-day views in headless Chromium, each run in a fresh browser context
// (empty cache), and prints the browser's own timings: first contentful paint, `first-view` (the
// view's content is on screen) and `first-chart` (the first uPlot chart has drawn), median of N.
// `--screenshot` saves the machine-day view (1100 x 900) for the README.
import { parseArgs } from 'node:util';
import { launchHeadlessChromium } from '../headless-chromium.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '5' }, screenshot: { type: 'string' } },
});
const base = positionals[0]?.replace(/\/$/, '');
if (!base) {
  console.error('usage: first-paint <base-url, e.g. http://127.0.0.1:18431> [--runs N] [--screenshot file]');
  process.exit(64);
}
const runs = Number(values.runs);
const browser = await launchHeadlessChromium();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
try {
  for (const view of ['#/plant', '#/day']) {
    const timings: Record<string, number[]> = {
      'first-contentful-paint': [],
      'first-view': [],
      'first-chart': [],
    };
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${base}/${view}`);
      await page.waitForSelector('main[data-ready][aria-busy="false"]');
      if (view === '#/day') await page.waitForSelector('figure.chart[data-drawn]');
      const entries: Array<[string, number]> = await page.evaluate(
        "[...performance.getEntriesByType('paint'), ...performance.getEntriesByType('mark')].map((e) => [e.name, e.startTime])",
      );
      for (const [name, at] of entries) timings[name]?.push(at);
      if (values.screenshot && view === '#/day' && i === runs - 1)
        await page.screenshot({ path: values.screenshot });
      await context.close();
    }
    const line = Object.entries(timings)
      .filter(([, xs]) => xs.length > 0)
      .map(([name, xs]) => `${name} ${median(xs).toFixed(0)} ms`)
      .join(', ');
    console.log(`${view.padEnd(8)} median of ${runs}: ${line}`);
  }
} finally {
  await browser.close();
}
