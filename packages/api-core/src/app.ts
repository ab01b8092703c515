import { OpenAPIHono } from '@hono/zod-openapi';
import { migrationState } from '@mm/db';
import { defaultStaleRules } from '@mm/etl';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './app-env.ts';
import { dashboardRoutes, defaultDashboardDir } from './dashboard/dashboard-routes.ts';
import type { AppDeps } from './deps.ts';
import { ApiError, DependencyUnavailableError, isConnectionError, RequestValidationError } from './errors.ts';
import { createApiMetrics } from './metrics/api-metrics.ts';
import { cachedAnswers } from './middleware/cached-answers/index.ts';
import { cors } from './middleware/cors/index.ts';
import { httpMetrics } from './middleware/http-metrics/index.ts';
import { requestContext } from './middleware/request-context/index.ts';
import { requireMigrated } from './middleware/require-migrated/index.ts';
import { renderDocsPage } from './openapi/docs-page.ts';
import { adminPrefix, adminRoutes } from './routes/admin.ts';
import { alertsRoutes } from './routes/alerts.ts';
import { dataStatusRoutes } from './routes/data-status.ts';
import { energyRoutes } from './routes/energy.ts';
import { machineChangesRoutes } from './routes/machine-changes.ts';
import { machineProgramRoutes } from './routes/machine-program.ts';
import { machineUtilRoutes } from './routes/machine-util.ts';
import { machinesRoutes } from './routes/machines.ts';
import { plantRoutes } from './routes/plant.ts';
import { probeRoutes } from './routes/probes.ts';
import { rootRoutes } from './routes/root.ts';
import { runsRoutes } from './routes/runs.ts';
import { statusRoutes } from './routes/status.ts';
import { temperatureRoutes } from './routes/temperature.ts';
import { validationHook } from './validation/hook.ts';

/**
 * The endpoints answered from aggregates alone, tagged from the run ledger and kept in the answer
 * cache (not raw data, not the ledger grid, whose statuses age).
 */
const ledgerServedPaths = [
  '/api/v1/temperature',
  '/api/v1/machine_util',
  '/api/v1/data_status',
  '/api/v1/machine_program',
  '/api/v1/alerts_daily_count',
  '/api/v1/alerts_detail',
  '/api/v1/energy_consumption',
  '/api/v2/temperature',
  '/api/v2/machine_util',
  '/api/v2/machine_program',
  '/api/v2/alerts_daily_count',
  '/api/v2/energy_consumption',
];

/**
 * The HTTP API: docs/api.md's v1 endpoints, the `/api/v2` range, machine and run-ledger endpoints,
 * `/openapi.json`, `/docs`, `/metrics`, and the admin surface under `/admin` (Bull Board,
 * re-queueing). Opens nothing itself: databases, queues, logger and pools come in `deps`.
 *
 * @example
 * const app = createApp({ config, aggDb, rawDbFor, logger });
 * serve({ fetch: app.fetch, port: config.port });
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const version = deps.version ?? '0.0.0';
  const now = deps.now ?? (() => new Date());
  const metrics = createApiMetrics({
    aggDb: deps.aggDb,
    machineIds: deps.config.machines.map((m) => m.id),
    pools: deps.pools ?? {},
    logger: deps.logger,
    now,
    rules: deps.staleRules ?? defaultStaleRules,
    queues: deps.queues ?? null,
    processMetrics: deps.processMetrics ?? false,
    answerCache: deps.answerCache ?? null,
  });

  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('*', requestContext({ logger: deps.logger }));
  app.use('*', httpMetrics({ observe: metrics.observeRequest }));
  app.use('*', cors({ origins: deps.config.corsOrigins }));
  // Data endpoints of an aggregation database behind the code: one 503 sentence, not a 500 per query.
  // /api/status reports the state itself.
  app.use(
    '/api/*',
    requireMigrated({
      check: () => migrationState(deps.aggDb),
      except: ['/api/status'],
      ...(deps.migrationCheckTtlMs !== undefined ? { ttlMs: deps.migrationCheckTtlMs } : {}),
    }),
  );
  const answers = cachedAnswers({
    aggDb: deps.aggDb,
    machines: deps.config.machines,
    version,
    cache: deps.answerCache ?? null,
  });
  for (const path of ledgerServedPaths) app.use(path, answers);
  app.route('/', dashboardRoutes({ dir: deps.dashboardDir ?? defaultDashboardDir }));
  app.route('/', probeRoutes(deps));

  for (const routes of [
    rootRoutes,
    statusRoutes,
    temperatureRoutes,
    machineUtilRoutes,
    dataStatusRoutes,
    machineChangesRoutes,
    machineProgramRoutes,
    alertsRoutes,
    energyRoutes,
    machinesRoutes,
    plantRoutes,
    runsRoutes,
  ]) {
    app.route('/', routes(deps));
  }
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminBasic', { type: 'http', scheme: 'basic' });
  app.route(
    adminPrefix,
    adminRoutes({
      config: deps.config,
      admin: deps.config.admin,
      queues: deps.queues ?? null,
      logger: deps.logger,
      rawDbFor: deps.rawDbFor,
      now,
      throttle: deps.adminThrottle,
    }),
  );

  let openApiDocument: ReturnType<typeof app.getOpenAPIDocument> | undefined;
  let docsPage: string | undefined;
  const document = () => {
    openApiDocument ??= app.getOpenAPIDocument({
      openapi: '3.0.3',
      info: {
        title: 'Machine monitoring API',
        version,
        description:
          'Aggregated machine data for dashboards. `/api/v1` keeps the original API’s contract (docs/api.md); `/api/v2` adds ranges, the machine list and the run ledger. Every endpoint takes an optional `machine`.',
      },
    });
    return openApiDocument;
  };
  app.get('/openapi.json', (c) => c.json(document()));
  app.get('/docs', (c) => {
    docsPage ??= renderDocsPage(document());
    return c.html(docsPage);
  });
  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }),
  );

  app.notFound((c) => {
    // A known path: `OPTIONS` (no CORS preflight, which the cors middleware answered) lists its
    // methods; another method is a 405 (as the original answered). Anything else is a 404.
    const allow = allowedMethods(app.routes, c.req.path);
    if (allow.length === 0) return c.json({ detail: 'Not Found' }, 404);
    if (c.req.method === 'OPTIONS') return c.body(null, 204, { Allow: allow.join(', ') });
    return c.json({ detail: 'Method Not Allowed' }, 405, { Allow: allow.join(', ') });
  });
  app.onError((error, c) => {
    const logger = c.get('logger') ?? deps.logger;
    if (error instanceof ApiError) return c.json({ detail: error.message }, error.status);
    if (error instanceof RequestValidationError) return c.json({ detail: error.detail }, 422);
    if (error instanceof HTTPException) {
      // Hono's own (e.g. a malformed JSON body): JSON like every other error, unless it built a response.
      if (error.res) return error.getResponse();
      return c.json({ detail: error.message || 'Bad Request' }, error.status);
    }
    if (error instanceof DependencyUnavailableError) {
      logger.error({ err: error }, 'dependency unavailable');
      return c.json({ detail: `Service unavailable: ${error.dependency} is unreachable` }, 503);
    }
    if (isConnectionError(error)) {
      logger.error({ err: error }, 'aggregation database unavailable');
      return c.json({ detail: 'Service unavailable: aggregation database is unreachable' }, 503);
    }
    // Never the exception's text: it may hold SQL, paths or connection details.
    logger.error({ err: error }, 'unhandled error');
    return c.json({ detail: 'Internal Server Error' }, 500);
  });
  return app;
}

/** The methods routed for exactly `path` (`HEAD` with `GET`, and `OPTIONS`), or none for an unknown path. */
function allowedMethods(routes: ReadonlyArray<{ method: string; path: string }>, path: string): string[] {
  const methods = new Set(routes.filter((r) => r.path === path && r.method !== 'ALL').map((r) => r.method));
  if (methods.size === 0) return [];
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
  return [...methods].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}
