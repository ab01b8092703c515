import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * The worker's operations endpoints: `GET /healthz` (200 while it takes jobs, 503 otherwise, with
 * a JSON reason) and `GET /metrics` (Prometheus text).
 *
 * @example
 * const server = createWorkerHttpServer({ registry, health: () => ({ ok: workers.running() }) });
 * server.listen(9100);
 */
export function createWorkerHttpServer(options: {
  registry: Registry;
  health: () => { ok: boolean; detail?: Record<string, unknown> };
}): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/healthz') {
      const health = options.health();
      res
        .writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: health.ok ? 'ok' : 'unavailable', ...health.detail }));
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
  });
}
