import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';

export interface HttpMetricsOptions {
  /** Records one finished request: `route` is the matched route pattern, never the raw path. */
  observe: (sample: { method: string; route: string; status: number; seconds: number }) => void;
}

/**
 * Times every request and reports it by route pattern (`/api/v1/temperature`), so label values stay
 * bounded whatever paths clients send: a request no route matched is `(unmatched)`.
 *
 * @example
 * app.use('*', httpMetrics({ observe: metrics.observeRequest }));
 */
export function httpMetrics(options: HttpMetricsOptions): MiddlewareHandler {
  return async function httpMetricsMiddleware(c, next) {
    const started = performance.now();
    await next();
    // Middleware registered with `use` matches as method ALL; the handler that answered does not.
    const handler = matchedRoutes(c)
      .filter((r) => r.method !== 'ALL')
      .at(-1);
    options.observe({
      method: c.req.method,
      route: handler?.path ?? '(unmatched)',
      status: c.res.status,
      seconds: (performance.now() - started) / 1000,
    });
  };
}
