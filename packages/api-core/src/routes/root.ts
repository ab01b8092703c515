import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Message } from '@mm/api-contract';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { resolveMachine } from '../machines.ts';
import { errorResponses, served } from '../openapi/schemas.ts';
import { validationHook } from '../validation/hook.ts';
import { machineParam } from '../validation/params.ts';

const route = createRoute({
  method: 'get',
  path: '/',
  tags: ['v1'],
  summary: 'Greeting',
  request: { query: z.object({ machine: machineParam }) },
  responses: {
    200: served<Message>()(
      z.object({ message: z.string().openapi({ example: 'Machine monitoring API' }) }).openapi('Message'),
      'A fixed message.',
    ),
    404: errorResponses[404],
    422: errorResponses[422],
  },
});

/** `GET /`: a fixed greeting (also the benchmark's ceiling: no database work). */
export function rootRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(route, (c) => {
    // docs/api.md: every endpoint takes `machine`; an unknown one is a 404 here too.
    resolveMachine(deps.config.machines, c.req.valid('query').machine);
    return c.json({ message: 'Machine monitoring API. Documentation: /docs' }, 200);
  });
  return app;
}
