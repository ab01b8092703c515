import type { Config } from '@mm/config';
import { Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import type { AppEnv } from '../app-env.ts';

/**
 * The reserved `/admin` prefix. The operations surface (the Bull Board queue UI, re-queueing a range
 * of days) will live here, behind HTTP basic auth with `config.admin`'s credentials; without them
 * (ADMIN_USER / ADMIN_PASSWORD unset) the prefix is closed. Nothing is served under it yet.
 *
 * @example
 * app.route('/admin', adminRoutes(config.admin));
 */
export function adminRoutes(admin: Config['admin']): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  if (!admin) {
    app.all('*', (c) =>
      c.json(
        { detail: 'The admin surface is disabled: set ADMIN_USER and ADMIN_PASSWORD to enable it' },
        404,
      ),
    );
    return app;
  }
  const auth = basicAuth({
    username: admin.user,
    password: admin.password,
    realm: 'machine-monitoring admin',
  });
  app.use('/', auth);
  app.use('/*', auth);
  app.all('*', (c) => c.json({ detail: 'Not Found: the admin operations are not built yet' }, 404));
  return app;
}
