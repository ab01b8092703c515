import { createServer, type Server } from 'node:http';
import type { Checks } from './readiness.ts';

/** What `/metrics` serves: a prom-client `Registry` has exactly these. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/**
 * The operations endpoints of a process without an HTTP API of its own (worker, scheduler):
 * `GET /livez` (liveness), `GET /readyz` (readiness) and its older name `GET /healthz`, each 200 or
 * 503 with the checks by name in JSON, and `GET /metrics` (Prometheus text). Nothing else: it never
 * serves data.
 *
 * @example
 * createOpsServer({ readiness, liveness, registry }).listen(9100);
 */
export function createOpsServer(options: {
  readiness: Checks;
  liveness: Checks;
  registry?: MetricsSource;
}): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    const probe =
      path === '/livez'
        ? options.liveness
        : path === '/readyz' || path === '/healthz'
          ? options.readiness
          : null;
    if (probe) {
      probe.evaluate().then(
        (verdict) =>
          res
            .writeHead(verdict.ok ? 200 : 503, { 'content-type': 'application/json' })
            .end(JSON.stringify({ status: verdict.ok ? 'ok' : 'unavailable', checks: verdict.checks })),
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (path === '/metrics' && options.registry) {
      options.registry.metrics().then(
        (text) =>
          res.writeHead(200, { 'content-type': options.registry?.contentType ?? 'text/plain' }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
  });
}
