import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import {
  DependencyUnavailableError,
  isConnectionError,
  RequestValidationError,
  type ValidationIssue,
} from '../errors.ts';
import { resolveMachine } from '../machines.ts';
import { awareTimestamp, errorResponses, json } from '../openapi/schemas.ts';
import { readSignalChanges, type SignalChange } from '../raw/state-changes.ts';
import { formatAware } from '../time/format.ts';
import { parseInstant } from '../time/parse-instant.ts';
import { validationHook } from '../validation/hook.ts';
import { machineParam } from '../validation/params.ts';

/** Longest window `machine_changes` serves (longer is a 422). */
export const maxWindowMs = 7 * 86_400_000;

const instantParam = (description: string) =>
  z
    .string()
    .max(64, 'must be at most 64 characters')
    .openapi({
      description: `${description} \`YYYY-MM-DD HH:MM:SS\` or \`YYYY-MM-DDTHH:MM:SS\`, optional fraction, optional \`Z\` or \`+HH:MM\`; without an offset, the machine's local time.`,
      example: '2024-03-01 06:00:00',
    });

const query = z
  .object({
    start: instantParam('Start of the window, included.'),
    end: instantParam('End of the window, included; at most 7 days after `start`.'),
    machine: machineParam,
  })
  .openapi('MachineChangesQuery');

const change = z
  .object({
    ts: awareTimestamp('When the value was logged.'),
    value: z.union([z.number(), z.string()]).nullable().openapi({
      description:
        'The state value as logged (`255`/`0` on logger machines, `ACTIVE`… on MTConnect); null for NaN.',
      example: 255,
    }),
  })
  .openapi('MachineChange');

const route = createRoute({
  method: 'get',
  path: '/api/v1/machine_changes',
  tags: ['v1'],
  summary: 'Raw state-signal changes in a window',
  description:
    "Read from the machine's raw database. `[]` when `start` is after `end`; a window over 7 days or an unparsable instant is a 422.",
  request: { query },
  responses: { 200: json(z.array(change), '`ts` ascending.'), ...errorResponses },
});

/** `GET /api/v1/machine_changes`: the state signal's raw changes, from the machine's raw database. */
export function machineChangesRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    const start = parseInstant(q.start, machine.timezone);
    const end = parseInstant(q.end, machine.timezone);
    const detail: ValidationIssue[] = [];
    if (!start.ok) detail.push({ loc: ['query', 'start'], msg: start.message, type: 'datetime_parsing' });
    if (!end.ok) detail.push({ loc: ['query', 'end'], msg: end.message, type: 'datetime_parsing' });
    if (!start.ok || !end.ok) throw new RequestValidationError(detail);
    // Dashboards send start > end around midnight: an empty window, not an error.
    if (start.epochMs > end.epochMs) return c.json([], 200);
    if (end.epochMs - start.epochMs > maxWindowMs) {
      throw new RequestValidationError([
        { loc: ['query', 'end'], msg: 'the window is longer than 7 days', type: 'value_error' },
      ]);
    }
    const state = machine.profile.state;
    // A machine on the gap method has no state signal, hence no changes.
    if (state?.method !== 'state') return c.json([], 200);
    let changes: SignalChange[];
    try {
      changes = await readSignalChanges(
        deps.rawDbFor(machine),
        state.variable,
        Math.ceil(start.epochMs),
        Math.floor(end.epochMs),
      );
    } catch (error) {
      if (isConnectionError(error)) {
        throw new DependencyUnavailableError(`raw database of machine '${machine.id}'`, { cause: error });
      }
      throw error;
    }
    return c.json(
      changes.map((ch) => ({ ts: formatAware(ch.date, machine.timezone), value: ch.value })),
      200,
    );
  });

  return app;
}
