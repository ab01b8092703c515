import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import { createLoginThrottle, type LoginThrottle, throttleKey } from './login-throttle.ts';

export { createLoginThrottle, type LoginThrottle, type LoginThrottleOptions } from './login-throttle.ts';

export interface AdminAuthOptions {
  user: string;
  password: string;
  realm?: string;
  /** Failed logins per client address; one per app, shared by every route it guards. */
  throttle?: LoginThrottle;
}

/**
 * HTTP basic auth for the admin surface. A wrong user or password is a JSON 401 (with
 * `WWW-Authenticate`, so a browser asks) and a `warn` line naming the client address, never what was
 * typed; after too many failures from one address (see {@link createLoginThrottle}) every attempt
 * from it is a 429 with `Retry-After` until the block ends. A request without credentials (a
 * browser's first) is a 401 but not a failed login.
 *
 * A script's request that says so with `X-Requested-With` (any value, as `fetch` from a page sends
 * it: `X-Requested-With: fetch`) gets its 401 without the challenge: a browser holds a challenged
 * answer back from the page for its own login prompt, so a sign-in form would wait forever for a
 * wrong password's answer. curl, Bull Board in a tab and other clients get the challenge as before.
 *
 * The address is the TCP peer's: behind a reverse proxy every client shares the proxy's address, so
 * failures from anyone block everyone until the window ends (which is safe, if inconvenient).
 *
 * @example
 * const auth = adminAuth({ user: 'ops', password, throttle: createLoginThrottle() });
 * app.use('/admin', auth);
 * app.use('/admin/*', auth);
 */
export function adminAuth(options: AdminAuthOptions): MiddlewareHandler<AppEnv> {
  const realm = (options.realm ?? 'admin').replace(/"/g, '');
  const throttle = options.throttle ?? createLoginThrottle();
  const expectedUser = digest(options.user);
  const expectedPassword = digest(options.password);
  const challenge = { 'WWW-Authenticate': `Basic realm="${realm}", charset="UTF-8"` };

  return async function adminAuthMiddleware(c, next) {
    const address = clientAddress(c);
    const key = throttleKey(address);
    const wait = throttle.retryAfterSeconds(key);
    if (wait > 0) {
      return c.json({ detail: 'Too many failed admin logins from this address: try again later' }, 429, {
        'Retry-After': String(wait),
      });
    }
    const answer = c.req.header('X-Requested-With') ? {} : challenge;
    const credentials = basicCredentials(c.req.header('Authorization'));
    if (!credentials) {
      return c.json({ detail: 'Unauthorized: the admin surface needs its user and password' }, 401, answer);
    }
    // Both compared, in constant time, so the answer's timing tells nothing about either.
    const userOk = timingSafeEqual(digest(credentials.user), expectedUser);
    const passwordOk = timingSafeEqual(digest(credentials.password), expectedPassword);
    if (!(userOk && passwordOk)) {
      const blocked = throttle.fail(key);
      const logger = c.get('logger');
      logger.warn({ client: address, path: c.req.path }, 'admin login failed');
      if (blocked)
        logger.warn({ client: address, throttled: key }, 'admin logins throttled for this address');
      return c.json({ detail: 'Unauthorized: wrong admin user or password' }, 401, answer);
    }
    throttle.succeed(key);
    return next();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  const match = header ? /^basic +([A-Za-z0-9+/=._~-]+) *$/i.exec(header) : null;
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The TCP peer's address as `@hono/node-server` exposes it (`c.env.incoming.socket`), or `unknown`
 * when the request did not come through a socket (`app.request()` without an env).
 *
 * @example
 * clientAddress(c); // '203.0.113.7'
 */
export function clientAddress(c: Context): string {
  type Bindings = { incoming?: { socket?: { remoteAddress?: unknown } }; server?: Bindings } | undefined;
  const env = c.env as Bindings;
  const address = (env?.server ?? env)?.incoming?.socket?.remoteAddress;
  return typeof address === 'string' && address ? address : 'unknown';
}
