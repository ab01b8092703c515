import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AdminSession } from '@mm/api-contract';
import type { Logger } from '@mm/config';
import type { ApiConfig } from '../api-server-env.ts';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { adminAuth, createLoginThrottle, type LoginThrottleOptions } from '../middleware/admin-auth/index.ts';
import { detailSchema, json, served } from '../openapi/schemas.ts';
import type { ApiQueues } from '../queues/api-queues.ts';
import { queueBoard } from '../queues/queue-board.ts';
import { validationHook } from '../validation/hook.ts';
import { requeueRoutes } from './admin-requeue.ts';

export interface AdminRoutesOptions {
  config: AppDeps['config'];
  /** `null` (ADMIN_USER / ADMIN_PASSWORD unset) closes the whole prefix. */
  admin: ApiConfig['admin'];
  /** The ETL queues; `null` when the API runs without Redis (then only the auth is served). */
  queues: ApiQueues | null;
  logger: Logger;
  /** The machines' raw databases (re-queueing reads a machine's data span). */
  rawDbFor: AppDeps['rawDbFor'];
  now: () => Date;
  /** Failed-login throttling per client address (defaults: 5 failures in 15 minutes). */
  throttle?: LoginThrottleOptions;
}

const session = createRoute({
  method: 'get',
  path: '/session',
  tags: ['admin'],
  summary: 'Check the admin credentials',
  description:
    'Answers who is signed in and whether the queue features (Bull Board, re-queueing) are available. A page checking credentials sends `X-Requested-With` so that a wrong password is a plain 401 it can report, not a browser login prompt.',
  security: [{ adminBasic: [] }],
  responses: {
    200: served<AdminSession>()(
      z
        .object({
          user: z.string().openapi({ example: 'ops' }),
          queues: z.boolean().openapi({
            description: 'Bull Board and `POST /admin/requeue` are available (the API uses Redis).',
          }),
        })
        .openapi('AdminSession'),
      'The credentials are right.',
    ),
    401: json(detailSchema, 'No or wrong admin credentials.'),
    429: json(detailSchema, 'Too many failed logins from this address.'),
  },
});

/** Where the app mounts these routes; Bull Board needs it to build its links. */
export const adminPrefix = '/admin';

/**
 * The operations surface under `/admin`, behind HTTP basic auth with `admin`'s credentials (failed
 * logins logged and throttled per client address, see `adminAuth`): Bull Board at `/admin/queues`
 * and `POST /admin/requeue`. Without credentials the prefix is closed (404) and a warning says so
 * once; without Redis the queue routes say they need it.
 *
 * @example
 * app.route(adminPrefix, adminRoutes({ config, admin: config.admin, queues, logger, now }));
 */
export function adminRoutes(options: AdminRoutesOptions): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  if (!options.admin) {
    options.logger.warn(
      'the admin surface (Bull Board, re-queueing) is disabled: set ADMIN_USER and ADMIN_PASSWORD to enable it',
    );
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
  const queues = options.queues;
  const user = options.admin.user;
  app.openapi(session, (c) => c.json({ user, queues: queues !== null }, 200));
  if (queues) {
    const basePath = `${adminPrefix}/queues`;
    app.get('/queues/', (c) => c.redirect(basePath));
    app.route('/queues', queueBoard({ queues, basePath, logger: options.logger }));
    app.route(
      '/',
      requeueRoutes({ config: options.config, queues, rawDbFor: options.rawDbFor, now: options.now }),
    );
  } else {
    app.all('/queues/*', (c) => c.json({ detail: 'Bull Board needs Redis: set REDIS_URL' }, 404));
    app.all('/queues', (c) => c.json({ detail: 'Bull Board needs Redis: set REDIS_URL' }, 404));
    app.all('/requeue', (c) => c.json({ detail: 'Re-queueing needs Redis: set REDIS_URL' }, 404));
  }
  app.all('*', (c) => c.json({ detail: 'Not Found' }, 404));
  return app;
}
