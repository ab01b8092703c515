import { createServer, type Server } from 'node:http';

/** What `/metrics` serves: a prom-client `Registry` has exactly these. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/**
 * The operations endpoints of a queue process (the worker's `WORKER_PORT`, the scheduler's
 * `SCHEDULER_PORT`): `GET /healthz` (200 while the process does its work, 503 otherwise, with a JSON
 * reason), `GET /metrics` (Prometheus text), and with `ready` `GET /readyz` (200
 * `{"status":"ready"}`, or 503 `{"status":"not ready","reasons":[…]}` while a dependency does not
 * answer) and `GET /livez` (200 whenever the process answers at all: restart it only when this fails).
 * Nothing else: it never serves data.
 *
 * @example
 * const server = createOpsServer({ registry, health: () => ({ ok: workers.running() }), ready: () => readiness.state() });
 * server.listen(9100);
 */
export function createOpsServer(options: {
  registry: MetricsSource;
  health: () => { ok: boolean; detail?: Record<string, unknown> };
  /** What `/readyz` reports: ready, or why not (one reason per problem). Without it, no `/readyz`. */
  ready?: () => { ready: boolean; reasons: string[]; detail?: Record<string, unknown> };
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
    if (path === '/readyz' && options.ready) {
      const { ready, reasons, detail } = options.ready();
      const body = ready ? { status: 'ready', ...detail } : { status: 'not ready', reasons, ...detail };
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (path === '/livez') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'alive' }));
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
