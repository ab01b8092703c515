import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Logger } from '@mm/config';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { ApiQueues } from './api-queues.ts';

export interface QueueBoardOptions {
  queues: ApiQueues;
  /** Where the board is mounted, e.g. `/admin/queues` (its page and assets use it). */
  basePath: string;
  logger: Logger;
}

// Bull Board's page asks a font CDN for its typeface; the admin surface must work offline and tell
// no third party when an operator opens it, so links to other hosts are dropped (the page falls back
// to a local font).
const externalLink = /<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?\/\/[^>]*>/gi;

// BullMQ's codes for a job that is not where an action needs it (its `ErrorCode`): the job is gone,
// in another state, waits for children, or belongs to a job scheduler.
const jobGone = -1;
const notApplicable = new Set([-3, -4, -8]);

/** The 4xx for an error BullMQ raises when an action does not apply to a job; `null` for any other. */
function jobStateRefusal(error: Error): { status: 404 | 409; key: string; message: string } | null {
  const code = (error as Error & { code?: unknown }).code;
  if (code === jobGone) {
    return { status: 404, key: 'ERRORS.JOB_NOT_FOUND', message: 'The job no longer exists' };
  }
  // Removing a job a worker holds fails with a message and no code.
  if (
    (typeof code === 'number' && notApplicable.has(code)) ||
    /is locked by another worker$/.test(error.message)
  ) {
    return {
      status: 409,
      key: 'ERRORS.JOB_NOT_IN_STATE',
      message: 'The action does not apply to the job in its current state',
    };
  }
  return null;
}

/**
 * Bull Board (`@bull-board/hono`) over the ETL queues, one entry per ETL: its page, its static assets
 * (served from the installed package, never a CDN) and its own JSON API (`api/queues`,
 * `api/queues/<queue>/<jobId>/retry`, …). Mount it behind the admin auth. While Redis is away the
 * JSON API answers 503 instead of waiting for it. An action on a job it does not apply to (promote a
 * job that is not delayed, remove one a worker holds, a job gone meanwhile) is the operator's 4xx,
 * logged as a warning without a stack; Bull Board's other errors are logged and answered without
 * their message (it may hold Redis details).
 *
 * @example
 * admin.route('/queues', queueBoard({ queues, basePath: '/admin/queues', logger }));
 */
export function queueBoard(options: QueueBoardOptions): Hono<AppEnv> {
  const adapter = new HonoAdapter(serveStatic).setBasePath(options.basePath);
  createBullBoard({
    queues: options.queues.etl.all().map((queue) => new BullMQAdapter(queue)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Machine monitoring queues' } },
  });
  adapter.setErrorHandler((error) => {
    const refusal = jobStateRefusal(error);
    if (refusal) {
      options.logger.warn({ reason: error.message }, 'Bull Board action does not apply to the job');
      return { status: refusal.status, body: { error: { key: refusal.key }, message: refusal.message } };
    }
    options.logger.error({ err: error }, 'Bull Board request failed');
    return {
      status: 500,
      body: { error: { key: 'ERRORS.INTERNAL_SERVER_ERROR' }, message: 'Internal Server Error' },
    };
  });

  const app = new Hono<AppEnv>();
  app.use('/api/*', async (c, next) => {
    if (!options.queues.ready()) {
      return c.json({ detail: 'Service unavailable: Redis is unreachable' }, 503);
    }
    return next();
  });
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.get('content-type')?.startsWith('text/html')) return;
    const html = (await c.res.text()).replace(externalLink, '');
    const headers = new Headers(c.res.headers);
    headers.delete('content-length');
    c.res = new Response(html, { status: c.res.status, headers });
  });
  app.route('/', adapter.registerPlugin());
  return app;
}
