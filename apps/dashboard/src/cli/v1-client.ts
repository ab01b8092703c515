// `pnpm dashboard v1-client <api-url> [--day YYYY-MM-DD] [--port N] [--screenshot <file>]`:
// the stand-in of the original (v1) dashboard (src/v1-client/index.html) against a running API.
// It serves the page on its own origin, as the original is served; the API must allow that origin
// (CORS_ORIGINS). With --screenshot it opens the page in headless Chromium, prints what it drew and
// saves the picture; without, it prints the address to open and serves until Ctrl-C.
import { parseArgs } from 'node:util';
import { launchHeadlessChromium } from '../headless-chromium.ts';
import { readV1Client, runIntervals, serveV1Client } from '../v1-client/serve-v1-client.ts';

const usage =
  'usage: v1-client <api-url, e.g. http://localhost:8000> [--day YYYY-MM-DD] [--port N (3000)] [--screenshot file]';
let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      day: { type: 'string' },
      port: { type: 'string', default: '3000' },
      screenshot: { type: 'string' },
    },
  });
}
try {
  parsed = parse();
} catch (error) {
  console.error(`v1-client: ${(error as Error).message}\n${usage}`);
  process.exit(64);
}
const { values, positionals } = parsed;
const api = positionals[0]?.replace(/\/$/, '');
const port = Number(values.port);
if (!api || !Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(usage);
  process.exit(64);
}
// The original shows today by default; a day with data is more telling on the demo's 2019 logs.
const day = values.day ?? new Date().toISOString().slice(0, 10);
const client = await serveV1Client({ port });
const address = `${client.origin}/?${new URLSearchParams({ api, day })}`;

if (values.screenshot) {
  const browser = await launchHeadlessChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 520 } });
    const drawing = await readV1Client(page, client.origin, api, day);
    await page.screenshot({ path: values.screenshot, fullPage: true });
    const runHours = runIntervals(drawing.spans).reduce((h, [from, to]) => h + (to - from) / 3_600_000, 0);
    console.log(
      `${address}\n  temperature: ${drawing.temperature.length} hourly points` +
        `\n  RUN: ${runHours.toFixed(2)} h in ${runIntervals(drawing.spans).length} stretches` +
        `\n  errors: ${drawing.errors || 'none'}\n  screenshot: ${values.screenshot}`,
    );
  } finally {
    await browser.close();
    await client.close();
  }
} else {
  console.log(
    `The v1 client stand-in: open ${address}\n(the API must list ${client.origin} in CORS_ORIGINS). Ctrl-C stops it.`,
  );
  process.once('SIGINT', () => void client.close().then(() => process.exit(0)));
}
