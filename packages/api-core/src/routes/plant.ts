import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Plant } from '@mm/api-contract';
import { dayWindow } from '@mm/calendar';
import type { Machine } from '@mm/config';
import {
  type CellStatus,
  cellStatusesWorstFirst,
  classifyRun,
  defaultStaleRules,
  etlIds,
  type StaleRules,
  worstStatus,
} from '@mm/etl';
import type { AppEnv } from '../app-env.ts';
import type { AppDeps } from '../deps.ts';
import { RequestValidationError, type ValidationIssue } from '../errors.ts';
import { resolveMachine } from '../machines.ts';
import { dataSpanSchema } from '../openapi/data-span-schema.ts';
import { awareTimestamp, dateString, errorResponses, naiveTimestamp, served } from '../openapi/schemas.ts';
import { dataSpanView } from '../plant/data-span.ts';
import {
  type LatestDayRow,
  latestDays,
  type MachineStatus,
  machineStatuses,
  type PlantSummaryRow,
  plantSorts,
  plantSummary,
} from '../plant/plant-query.ts';
import { formatAware, formatNaive } from '../time/format.ts';
import { validationHook } from '../validation/hook.ts';
import { machineParam, maxNameLength, pageShape } from '../validation/params.ts';

/** Machines per page: the default suits a screen, the maximum bounds one answer (about 1 kB each). */
export const defaultPlantPageSize = 50;
export const maxPlantPageSize = 500;

const machineStatus = z.enum(machineStatuses).openapi({
  description:
    '`failed`: the latest run of a slice (any day) failed. `stale`: none failed, but a slice is stale (a partial day not refreshed within `stale_rules.partial_after_seconds`, or a run unfinished after `stale_rules.running_after_seconds`). `alarm`: neither, but the latest day has emergency or error activations. `no_data`: nothing aggregated yet. `ok`: none of these.',
});
const cellStatus = z.enum(cellStatusesWorstFirst as [CellStatus, ...CellStatus[]]);
const fourStates = (unit: string, decimals: string) =>
  z
    .object({ running: z.number(), idle: z.number(), off: z.number(), unknown: z.number() })
    .nullable()
    .openapi({
      description: `Running, idle (unplanned down), off (planned down) and not yet known (after the data horizon), in ${unit}, ${decimals}; null without an activity row for the day.`,
    });

const plantMachine = z
  .object({
    machine: z.string().openapi({ example: 'press-07' }),
    name: z.string(),
    timezone: z.string(),
    profile: z.string(),
    status: machineStatus,
    problems: z.object({
      failed_slices: z
        .number()
        .int()
        .openapi({ description: 'Slices (ETL x day, any day) whose latest run failed.' }),
      failed_days: z.number().int(),
      stale_slices: z.number().int(),
      stale_days: z.number().int(),
    }),
    latest_day: z
      .object({
        day: dateString('The latest day with any aggregate, in the machine’s zone.'),
        day_hours: z.number().openapi({ description: 'Its length: 23, 24 or 25 hours.' }),
        shares: fourStates('percent of the day', '2 decimals (running and off equal v1’s percentages)'),
        hours: fourStates('hours', '2 decimals'),
        energy_kwh: z
          .number()
          .nullable()
          .openapi({ description: 'The day’s energy so far; null without any.' }),
        alerts: z.object({
          emergency: z.number().int(),
          error: z.number().int(),
          warning: z.number().int(),
          other: z.number().int(),
        }),
        latest_critical: z
          .object({
            dt: naiveTimestamp('When it became active.'),
            ts: awareTimestamp('The same instant.'),
            alert_type: z.enum(['emergency', 'error']),
            alarm_code: z.string().nullable(),
            alarm_description: z.string().nullable(),
          })
          .nullable(),
        pipeline: z.object({
          status: cellStatus.openapi({
            description: 'The worst of the day’s ETL cells, as in `/api/v2/runs`.',
          }),
          etls: z.record(z.string(), cellStatus),
          refreshed_at: awareTimestamp('When the day’s latest successful run finished.').nullable(),
          refreshed_age_seconds: z.number().int().nullable(),
          horizon: awareTimestamp('The latest raw reading those runs saw.').nullable(),
        }),
      })
      .nullable()
      .openapi({ description: 'Null when nothing is aggregated.' }),
    data_span: dataSpanSchema,
  })
  .openapi('PlantMachine');

const plant = z
  .object({
    generated_at: awareTimestamp('When the answer was computed (UTC).'),
    stale_rules: z.object({
      partial_after_seconds: z.number().int(),
      running_after_seconds: z.number().int(),
    }),
    total: z.number().int().openapi({ description: 'Machines matching every filter.' }),
    page: z.number().int(),
    page_size: z.number().int(),
    pages: z.number().int().openapi({ description: 'Pages of `page_size` for `total` (0 when none match).' }),
    counts: z.record(z.string(), z.number().int()).openapi({
      description:
        'Machines per status among those matching `q`, `timezone`, `profile` and `machine` (not `status`).',
    }),
    machines: z.array(plantMachine),
  })
  .openapi('Plant');

const statusList = z
  .string()
  .superRefine((value, ctx) => {
    const bad = value.split(',').filter((s) => !(machineStatuses as readonly string[]).includes(s.trim()));
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be one or more of ${machineStatuses.join(', ')}, separated by commas`,
        params: { type: 'enum' },
      });
    }
  })
  .transform((value) => [...new Set(value.split(',').map((s) => s.trim() as MachineStatus))])
  .optional()
  .openapi({
    description: 'Only machines with one of these statuses (comma-separated).',
    example: 'failed,stale',
  });

const shortText = (description: string, example: string) =>
  z
    .string()
    .max(maxNameLength, `must be at most ${maxNameLength} characters`)
    .optional()
    .openapi({ description, example });

const route = createRoute({
  method: 'get',
  path: '/api/v2/plant',
  tags: ['v2'],
  summary: 'Every machine’s latest day at a glance: status, shares, energy, alarms, freshness',
  description:
    'One page of machines, filtered and sorted, each with its latest aggregated day (state shares, energy, alarm activations, the day’s pipeline status) and its recorded data span. `counts` gives the machines per status for the same filters without `status`. Computed in a fixed number of statements whatever the number of machines.',
  request: {
    query: z.object({
      q: shortText('Text to find in the machine’s id or name (case-insensitive).', 'press'),
      status: statusList,
      timezone: shortText('Only machines in this IANA time zone.', 'Europe/Madrid'),
      profile: shortText('Only machines of this signal profile.', 'logger'),
      sort: z.enum(plantSorts).optional().openapi({
        description:
          '`problems` (default): failed, stale, alarm, no data, ok; then days with failed or stale slices and critical alarms, most first. `config`: configuration order. `id`, `name`. `running`: running share of the latest day. `data_age`: age of the latest raw reading. Ties in configuration order.',
      }),
      order: z
        .enum(['asc', 'desc'])
        .optional()
        .openapi({ description: '`desc` reverses the sort (machines without the sorted value stay last).' }),
      machine: machineParam.openapi({ description: 'Only this machine.' }),
      ...pageShape(maxPlantPageSize, defaultPlantPageSize),
    }),
  },
  responses: { 200: served<Plant>()(plant, 'One page of machines.'), ...errorResponses },
});

/** `GET /api/v2/plant`: the plant at a glance, paged. */
export function plantRoutes(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const rules = deps.staleRules ?? defaultStaleRules;
  const clock = deps.now ?? (() => new Date());
  const machines = deps.config.machines;
  const zones = new Set(machines.map((m) => m.timezone));
  const profiles = [...new Set(machines.map((m) => m.profileName))];

  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    // Checks that need the configuration, reported together like the schema's.
    const issues: ValidationIssue[] = [];
    const zone = q.timezone === undefined ? undefined : canonicalZone(q.timezone, zones);
    if (zone === null)
      issues.push({ loc: ['query', 'timezone'], msg: 'is not an IANA time zone', type: 'value_error' });
    if (q.profile !== undefined && !profiles.includes(q.profile)) {
      issues.push({
        loc: ['query', 'profile'],
        msg: `is not the profile of any configured machine (known: ${profiles.join(', ')})`,
        type: 'value_error',
      });
    }
    if (issues.length > 0) throw new RequestValidationError(issues);
    const only = q.machine === undefined ? null : resolveMachine(machines, q.machine);
    const text = q.q?.trim().toLowerCase() ?? '';
    const candidates: Array<{ id: string; name: string; ord: number }> = [];
    machines.forEach((m, ord) => {
      if (only && m.id !== only.id) return;
      if (zone !== undefined && m.timezone !== zone) return;
      if (q.profile !== undefined && m.profileName !== q.profile) return;
      if (text && !m.id.includes(text) && !m.name.toLowerCase().includes(text)) return;
      candidates.push({ id: m.id, name: m.name, ord });
    });

    const now = clock();
    const page = q.page ?? 1;
    const pageSize = q.page_size ?? defaultPlantPageSize;
    const summary = await plantSummary(deps.aggDb, {
      candidates,
      statuses: q.status ?? null,
      sort: q.sort ?? 'problems',
      order: q.order ?? 'asc',
      page,
      pageSize,
      now,
      rules,
    });
    const days = await latestDays(
      deps.aggDb,
      summary.rows.flatMap((r) => (r.latest_day ? [{ id: r.machine_id, day: r.latest_day }] : [])),
    );
    return c.json(
      {
        generated_at: formatAware(now, 'UTC'),
        stale_rules: {
          partial_after_seconds: Math.round(rules.partialAfterMs / 1000),
          running_after_seconds: Math.round(rules.runningAfterMs / 1000),
        },
        total: summary.total,
        page,
        page_size: pageSize,
        pages: Math.ceil(summary.total / pageSize),
        counts: summary.counts,
        machines: summary.rows.map((row) => {
          const machine = resolveMachine(machines, row.machine_id);
          return plantMachineView(machine, row, days.get(row.machine_id), now, rules);
        }),
      },
      200,
    );
  });
  return app;
}

/** The configured spelling of an IANA zone (an unused zone matches nothing), or null when `value` is not one. */
function canonicalZone(value: string, zones: ReadonlySet<string>): string | null {
  if (zones.has(value)) return value;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

function plantMachineView(
  machine: Machine,
  row: PlantSummaryRow,
  day: LatestDayRow | undefined,
  now: Date,
  rules: StaleRules,
) {
  const zone = machine.timezone;
  return {
    machine: machine.id,
    name: machine.name,
    timezone: zone,
    profile: machine.profileName,
    status: row.status,
    problems: {
      failed_slices: row.failed_slices,
      failed_days: row.failed_days,
      stale_slices: row.stale_slices,
      stale_days: row.stale_days,
    },
    latest_day: day ? latestDayView(machine, day, now, rules) : null,
    data_span: dataSpanView(row, zone, now),
  };
}

function latestDayView(machine: Machine, day: LatestDayRow, now: Date, rules: StaleRules) {
  const zone = machine.timezone;
  const window = dayWindow(day.day, zone);
  const runs = day.runs.map((r) => ({
    etl: r.etl,
    run: {
      status: r.status,
      complete: r.complete,
      started_at: new Date(r.started_at),
      finished_at: r.finished_at === null ? null : new Date(r.finished_at),
    },
    horizon: r.horizon === null ? null : new Date(r.horizon),
  }));
  const etls: Record<string, CellStatus> = {};
  for (const etl of etlIds) etls[etl] = 'missing';
  for (const r of runs) etls[r.etl] = classifyRun(r.run, now, rules);
  const latest = (dates: Array<Date | null>) =>
    dates.reduce<Date | null>((max, d) => (d !== null && (max === null || d > max) ? d : max), null);
  const refreshed = latest(runs.filter((r) => r.run.status === 'succeeded').map((r) => r.run.finished_at));
  const horizon = latest(runs.map((r) => r.horizon));
  return {
    day: day.day,
    day_hours: (window.end - window.start) / 3_600_000,
    shares: day.shares,
    hours: day.hours,
    // Hours without a valid motor reading have no row: a day of none is 0 kWh, if any motor is mapped.
    energy_kwh: day.energy_kwh ?? (machine.profile.motors.length > 0 ? 0 : null),
    alerts: {
      emergency: day.alerts.emergency ?? 0,
      error: day.alerts.error ?? 0,
      warning: day.alerts.warning ?? 0,
      other: day.alerts.other ?? 0,
    },
    latest_critical:
      day.critical_ts && day.critical_type
        ? {
            dt: formatNaive(day.critical_ts, zone),
            ts: formatAware(day.critical_ts, zone),
            alert_type: day.critical_type,
            alarm_code: day.critical_code,
            alarm_description: day.critical_description,
          }
        : null,
    pipeline: {
      status: worstStatus(Object.values(etls)),
      etls,
      refreshed_at: refreshed ? formatAware(refreshed, zone) : null,
      refreshed_age_seconds: refreshed
        ? Math.max(0, Math.round((now.getTime() - refreshed.getTime()) / 1000))
        : null,
      horizon: horizon ? formatAware(horizon, zone) : null,
    },
  };
}
