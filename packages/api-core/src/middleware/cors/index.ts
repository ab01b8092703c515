import type { MiddlewareHandler } from 'hono';

export interface CorsOptions {
  /** Allowed origins (`http(s)://host[:port]`), or `*` for any. */
  origins: readonly string[];
  /** Methods a preflight may ask for. */
  methods?: readonly string[];
  /** Seconds a browser may cache a preflight answer. */
  maxAgeSeconds?: number;
}

/**
 * CORS for the dashboards: an allowed origin gets `Access-Control-Allow-Origin` (with credentials,
 * as the original API allowed) on its requests, and its preflight (`OPTIONS` with
 * `Access-Control-Request-Method`, sent e.g. for `Content-Type: application/json`) is answered 204
 * allowing the requested headers. A preflight from any other origin is refused (403, no CORS
 * headers); its plain requests are served without CORS headers, so the browser hides them.
 *
 * @example
 * app.use('*', cors({ origins: ['http://localhost:3000'] }));
 */
export function cors(options: CorsOptions): MiddlewareHandler {
  const any = options.origins.includes('*');
  const allowed = new Set(options.origins.filter((o) => o !== '*'));
  const methods = (options.methods ?? ['GET', 'HEAD', 'OPTIONS']).join(', ');
  const maxAge = String(options.maxAgeSeconds ?? 600);
  const isAllowed = (origin: string) => any || allowed.has(origin);

  return async function corsMiddleware(c, next) {
    const origin = c.req.header('origin');
    const preflight =
      c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;
    if (preflight) {
      if (!origin || !isAllowed(origin)) {
        return c.json({ detail: 'CORS preflight refused: origin not allowed' }, 403, { Vary: 'Origin' });
      }
      const requested = c.req.header('access-control-request-headers');
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': allowed.has(origin) ? origin : '*',
        ...(allowed.has(origin) ? { 'Access-Control-Allow-Credentials': 'true' } : {}),
        'Access-Control-Allow-Methods': methods,
        ...(requested ? { 'Access-Control-Allow-Headers': requested } : {}),
        'Access-Control-Max-Age': maxAge,
        Vary: 'Origin, Access-Control-Request-Headers',
      });
    }
    await next();
    if (origin && isAllowed(origin)) {
      // An explicitly listed origin is echoed (credentials allowed); `*` alone stays `*`.
      c.header('Access-Control-Allow-Origin', allowed.has(origin) ? origin : '*');
      if (allowed.has(origin)) c.header('Access-Control-Allow-Credentials', 'true');
      c.header('Access-Control-Expose-Headers', 'X-Request-Id');
    }
    c.header('Vary', 'Origin', { append: true });
    return undefined;
  };
}
