import { randomUUID } from 'node:crypto';
import type { Logger } from '@mm/config';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env.ts';

export interface RequestContextOptions {
  /** The process's root logger; each request gets a child bound to its id. */
  logger: Logger;
  /** Header carrying the id in and out. */
  header?: string;
}

// An incoming id is kept only when it is short and plain, so it cannot forge log lines or headers.
const saneId = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * Gives each request an id (the caller's `X-Request-Id` when sane, else a UUID), a child logger
 * bound to it, the id on the response, and one log line when the response is ready: method, path
 * with query, status, duration, user agent and origin (never headers that carry secrets).
 *
 * @example
 * app.use('*', requestContext({ logger }));
 */
export function requestContext(options: RequestContextOptions): MiddlewareHandler<AppEnv> {
  const header = options.header ?? 'X-Request-Id';
  return async function requestContextMiddleware(c, next) {
    const started = performance.now();
    const incoming = c.req.header(header);
    const requestId = incoming && saneId.test(incoming) ? incoming : randomUUID();
    const logger = options.logger.child({ reqId: requestId });
    c.set('requestId', requestId);
    c.set('logger', logger);
    await next();
    c.header(header, requestId);
    const status = c.res.status;
    const url = c.req.url;
    // Path and query only; flat fields keep pino's redaction pass (wildcard paths) cheap.
    const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
    logger[status >= 500 ? 'error' : 'info'](
      {
        method: c.req.method,
        url: path.length > 512 ? `${path.slice(0, 512)}…` : path,
        status,
        responseTime: Math.round((performance.now() - started) * 100) / 100,
        userAgent: c.req.header('user-agent'),
        origin: c.req.header('origin'),
      },
      'request completed',
    );
  };
}
