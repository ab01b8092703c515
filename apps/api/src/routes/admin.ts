import type { Config, Logger } from '@mm/config';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { adminAuth, createLoginThrottle, type LoginThrottleOptions } from '../middleware/admin-auth/index.ts';

export interface AdminRoutesOptions {
  /** `null` (ADMIN_USER / ADMIN_PASSWORD unset) closes the whole prefix. */
  admin: Config['admin'];
  logger: Logger;
  /** Failed-login throttling per client address (defaults: 5 failures in 15 minutes). */
  throttle?: LoginThrottleOptions;
}

/**
 * The `/admin` prefix, behind HTTP basic auth with `admin`'s credentials (failed logins logged and
 * throttled per client address, see `adminAuth`). Without credentials the prefix is closed (404) and
 * a warning says so once.
 *
 * @example
 * app.route('/admin', adminRoutes({ admin: config.admin, logger }));
 */
export function adminRoutes(options: AdminRoutesOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  if (!options.admin) {
    options.logger.warn('the admin surface is disabled: set ADMIN_USER and ADMIN_PASSWORD to enable it');
    app.all('*', (c) =>
      c.json(
        { detail: 'The admin surface is disabled: set ADMIN_USER and ADMIN_PASSWORD to enable it' },
        404,
      ),
    );
    return app;
  }
  const auth = adminAuth({
    user: options.admin.user,
    password: options.admin.password,
    realm: 'machine-monitoring admin',
    throttle: createLoginThrottle(options.throttle),
  });
  app.use('/', auth);
  app.use('/*', auth);
  app.all('*', (c) => c.json({ detail: 'Not Found' }, 404));
  return app;
}
