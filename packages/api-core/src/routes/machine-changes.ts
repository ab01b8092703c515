import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MachineChange, MachineStateChanges } from '@mm/api-contract';
import type { Machine } from '@mm/config';
import type { RawDatabase } from '@mm/db';
import type { MachineState } from '@mm/etl';
import type { Kysely } from 'kysely';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import {
  DependencyUnavailableError,
  isConnectionError,
  RequestValidationError,
  type ValidationIssue,
} from '../errors.ts';
import { resolveMachine } from '../machines.ts';
import { awareTimestamp, errorResponses, served } from '../openapi/schemas.ts';
import { readSignalChanges, readStateWindow, type StateWindow } from '../raw/state-changes.ts';
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
        'The state value as logged (`255`/`0` on logger machines, `ACTIVE`… on MTConnect); null for NaN. On a machine with `v1Compat`: 255 running, 0 idle, null off.',
      example: 255,
    }),
  })
  .openapi('MachineChange');

const v1 = createRoute({
  method: 'get',
  path: '/api/v1/machine_changes',
  tags: ['v1'],
  summary: 'Raw state-signal changes in a window',
  description:
    "Read from the machine's raw database. `[]` when `start` is after `end`; a window over 7 days or an unparsable instant is a 422. A machine with `v1Compat` in the machines file answers in the original logger's encoding (255 running, 0 idle, null off, by the profile's running values) with the state in force at `start` as the first row.",
  request: { query },
  responses: { 200: served<MachineChange[]>()(z.array(change), '`ts` ascending.'), ...errorResponses },
});

const machineState = z.enum(['running', 'idle', 'off']).openapi({
  description:
    '`running` (one of the profile’s running values), `idle` (any other valid value) or `off` (NaN, NULL, `UNAVAILABLE`, empty), as the daily activity counts it.',
  example: 'running',
});
const loggedValue = z.union([z.number(), z.string()]).nullable().openapi({
  description: 'The value as logged; null for NaN or NULL.',
  example: 'ACTIVE',
});
const stateChanges = z
  .object({
    machine: z.string().openapi({ example: 'mazak01' }),
    variable: z.string().nullable().openapi({
      description: "The profile's state variable; null when the machine has no state signal (gap method).",
      example: 'execution',
    }),
    variable_logged: z.boolean().openapi({
      description: 'Whether the raw database has that variable (false: nothing is logged for it).',
    }),
    at_start: z
      .object({
        state: machineState,
        value: loggedValue,
        logged_at: awareTimestamp('When that reading was logged (before `start`).'),
      })
      .nullable()
      .openapi({
        description:
          'The reading in force at `start`: the last one before it. Null when there is none (no reading yet, which the activity counts as off).',
      }),
    changes: z.array(
      z.object({
        ts: awareTimestamp('When the value was logged.'),
        state: machineState,
        value: loggedValue,
      }),
    ),
  })
  .openapi('MachineStateChanges');

const v2 = createRoute({
  method: 'get',
  path: '/api/v2/machine_changes',
  tags: ['v2'],
  summary: 'Readable state changes in a window',
  description:
    "The state signal of the machine's raw database in [`start`, `end`], each reading as `running`, `idle` or `off` by the machine's profile, and the reading in force at `start`. Invalid readings (±Infinity), which the ETLs skip, are left out. `end` before `start`, a window over 7 days or an unparsable instant is a 422.",
  request: { query },
  responses: { 200: served<MachineStateChanges>()(stateChanges, 'Changes by instant.'), ...errorResponses },
});

/** The logger's encoding, which the original dashboards draw: 255 running, 0 idle, null off. */
const v1Encoding: Record<MachineState, number | null> = { running: 255, idle: 0, off: null };

/**
 * `GET /api/v1/machine_changes` (the state signal's raw changes, as logged, or in the original's
 * encoding for a `v1Compat` machine) and `GET /api/v2/machine_changes` (readable states).
 */
export function machineChangesRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  /** `start` and `end` in epoch ms, or a 422 naming each one that cannot be read. */
  const window = (q: { start: string; end: string }, machine: Machine) => {
    const start = parseInstant(q.start, machine.timezone);
    const end = parseInstant(q.end, machine.timezone);
    const detail: ValidationIssue[] = [];
    if (!start.ok) detail.push({ loc: ['query', 'start'], msg: start.message, type: 'datetime_parsing' });
    if (!end.ok) detail.push({ loc: ['query', 'end'], msg: end.message, type: 'datetime_parsing' });
    if (!start.ok || !end.ok) throw new RequestValidationError(detail);
    if (end.epochMs - start.epochMs > maxWindowMs) {
      throw new RequestValidationError([
        { loc: ['query', 'end'], msg: 'the window is longer than 7 days', type: 'value_error' },
      ]);
    }
    // Logged instants are whole milliseconds: a fractional bound includes exactly those inside it.
    return {
      fromMs: Math.ceil(start.epochMs),
      toMs: Math.floor(end.epochMs),
      empty: start.epochMs > end.epochMs,
    };
  };

  /** Reads the raw database, a connection failure being a 503 that names it. */
  const fromRaw = async <T>(machine: Machine, read: (raw: Kysely<RawDatabase>) => Promise<T>) => {
    try {
      return await read(deps.rawDbFor(machine));
    } catch (error) {
      if (isConnectionError(error)) {
        throw new DependencyUnavailableError(`raw database of machine '${machine.id}'`, { cause: error });
      }
      throw error;
    }
  };

  app.openapi(v1, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    const { fromMs, toMs, empty } = window(q, machine);
    // Dashboards send start > end around midnight: an empty window, not an error.
    if (empty) return c.json([], 200);
    const state = machine.profile.state;
    // A machine on the gap method has no state signal, hence no changes.
    if (state?.method !== 'state') return c.json([], 200);
    if (machine.v1Compat) {
      const w = await fromRaw(machine, (raw) => readStateWindow(raw, state, fromMs, toMs));
      return c.json(v1CompatRows(w, fromMs, machine.timezone), 200);
    }
    const changes = await fromRaw(machine, (raw) => readSignalChanges(raw, state.variable, fromMs, toMs));
    return c.json(
      changes.map((ch) => ({ ts: formatAware(ch.date, machine.timezone), value: ch.value })),
      200,
    );
  });

  app.openapi(v2, async (c) => {
    const q = c.req.valid('query');
    const machine = resolveMachine(deps.config.machines, q.machine);
    const { fromMs, toMs, empty } = window(q, machine);
    if (empty) {
      throw new RequestValidationError([
        { loc: ['query', 'end'], msg: 'is before start', type: 'value_error' },
      ]);
    }
    const state = machine.profile.state;
    if (state?.method !== 'state') {
      return c.json(
        { machine: machine.id, variable: null, variable_logged: false, at_start: null, changes: [] },
        200,
      );
    }
    const w = await fromRaw(machine, (raw) => readStateWindow(raw, state, fromMs, toMs));
    const aware = (ms: number) => formatAware(ms, machine.timezone);
    return c.json(
      {
        machine: machine.id,
        variable: state.variable,
        variable_logged: w.variableLogged,
        at_start: w.atStart
          ? { state: w.atStart.state, value: w.atStart.value, logged_at: aware(w.atStart.date) }
          : null,
        changes: w.changes.map((r) => ({ ts: aware(r.date), state: r.state, value: r.value })),
      },
      200,
    );
  });

  return app;
}

/**
 * The original dashboards' reading of a window: each change as 255 / 0 / null, opened by the state in
 * force at `start` (off when nothing was logged before it), stamped at `start` itself, so a client
 * never has to guess the stretch before its first change.
 */
function v1CompatRows(w: StateWindow, fromMs: number, zone: string) {
  const rows = w.changes.map((r) => ({ ts: formatAware(r.date, zone), value: v1Encoding[r.state] }));
  if (w.changes[0]?.date === fromMs) return rows;
  return [{ ts: formatAware(fromMs, zone), value: v1Encoding[w.atStart?.state ?? 'off'] }, ...rows];
}
