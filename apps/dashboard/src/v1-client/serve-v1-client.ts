import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';

/** The stand-in of the original (v1) dashboard: one self-contained page (see its comment). */
const page = readFileSync(new URL('./index.html', import.meta.url), 'utf8');

/** A running stand-in: its origin (to allow in the API's `CORS_ORIGINS`) and how to stop it. */
export interface V1ClientServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves the v1 client stand-in on `host:port` (0: any free port), as the original dashboard is
 * served from an origin of its own.
 *
 * @example
 * const client = await serveV1Client({ port: 3000 });
 * // open `${client.origin}/?api=http://localhost:8000&day=2019-06-19`
 */
export async function serveV1Client(options: { port?: number; host?: string } = {}): Promise<V1ClientServer> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || !(req.url === '/' || req.url?.startsWith('/?'))) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What the stand-in drew: temperature points, RUN / IDLE spans (epoch ms) and its error line. */
export interface V1ClientDrawing {
  temperature: Array<{ dt: string; value: number }>;
  spans: Array<{ state: 'RUN' | 'IDLE'; from: number; to: number }>;
  errors: string;
}

/**
 * Opens the stand-in on `day` against `api` and reads back what it drew.
 *
 * @example
 * const drawing = await readV1Client(page, client.origin, 'http://127.0.0.1:8000', '2019-06-19');
 */
export async function readV1Client(
  browserPage: Page,
  origin: string,
  api: string,
  day: string,
): Promise<V1ClientDrawing> {
  await browserPage.goto(`${origin}/?${new URLSearchParams({ api, day })}`);
  await browserPage.waitForSelector('#status[data-ready]');
  const temperature = await browserPage.$$eval('svg[data-chart="temperature"] circle', (points) =>
    points.map((p) => ({ dt: p.getAttribute('data-dt') ?? '', value: Number(p.getAttribute('data-value')) })),
  );
  const spans = await browserPage.$$eval('svg[data-chart="timeline"] rect', (rects) =>
    rects.map((r) => ({
      state: r.getAttribute('data-state') as 'RUN' | 'IDLE',
      from: Number(r.getAttribute('data-from')),
      to: Number(r.getAttribute('data-to')),
    })),
  );
  return { temperature, spans, errors: (await browserPage.textContent('#errors')) ?? '' };
}

/**
 * The RUN time of a drawing as merged [from, to) intervals, to compare with the machine's running
 * intervals.
 *
 * @example
 * runIntervals(drawing.spans); // [[1560923400000, 1560925200000], …]
 */
export function runIntervals(spans: V1ClientDrawing['spans']): Array<[number, number]> {
  const merged: Array<[number, number]> = [];
  for (const s of spans.filter((x) => x.state === 'RUN').sort((a, b) => a.from - b.from)) {
    const last = merged.at(-1);
    if (last && last[1] >= s.from) last[1] = Math.max(last[1], s.to);
    else merged.push([s.from, s.to]);
  }
  return merged;
}
