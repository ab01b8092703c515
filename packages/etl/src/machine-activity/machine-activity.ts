import { sql } from 'kysely';
import { defineEtl, type ExtractContext, type ExtractResultOf } from '../etl.ts';

type ActivityResult = ExtractResultOf<'agg_machine_activity_daily'>;

import { intervalsCtes, readingCounts } from '../intervals.ts';
import type { ResolvedRoles } from '../roles.ts';
import { gapSessions } from './gap-sessions.ts';
import { runningPredicate } from './state-reading.ts';

/**
 * Daily machine activity (DOMAIN §5.2): running, unplanned-down (powered but idle) and planned-down
 * (off, or no reading yet) seconds of one machine-local day, plus the day's length (23/24/25 h).
 * Time after the horizon is in none of the three; percentages (generated columns) are always over
 * the full day length. A day gets a row whenever its window starts before the horizon.
 *
 * Two methods, chosen by the profile: the state signal with interval semantics (DOMAIN §4), or
 * the original's gap method over every log row of the day ({@link gapSessions}).
 *
 * Seconds are stored unrounded (ms / 1000); the table's generated columns round hours and
 * percentages.
 */
export const machineActivity = defineEtl({
  id: 'machine-activity',
  tables: ['agg_machine_activity_daily'],
  async extract(ctx) {
    const { roles } = ctx;
    if (roles.state) return stateMethod(ctx, roles.state);
    if (roles.gapSeconds !== null) return gapMethod(ctx, roles.gapSeconds);
    // A missing state variable is already in roles.warnings; a profile without any state role is not.
    const warnings = ctx.machine.profile.state ? [] : ['machine-activity: the profile has no state role'];
    return { rows: { agg_machine_activity_daily: [] }, rowsRead: 0, invalidSkipped: 0, warnings };
  },
});

/** Whether the day gets a row: only when its window starts before the horizon (DOMAIN §5.2). */
function observed({ horizon, window }: ExtractContext): boolean {
  return horizon !== null && horizon > window.start;
}

function activityRow(ctx: ExtractContext, runningMs: number, unplannedMs: number) {
  const { window, until } = ctx;
  // Off readings and the time before any reading ever are planned down; after `until` is nothing.
  const plannedMs = until - window.start - runningMs - unplannedMs;
  return {
    running_seconds: runningMs / 1000,
    unplanned_down_seconds: unplannedMs / 1000,
    planned_down_seconds: plannedMs / 1000,
    day_seconds: (window.end - window.start) / 1000,
  };
}

async function stateMethod(
  ctx: ExtractContext,
  state: NonNullable<ResolvedRoles['state']>,
): Promise<ActivityResult> {
  const { raw, window, until } = ctx;
  const { variable, reading } = state;
  const span = { table: variable.table, variableIds: [variable.id], reading, start: window.start };
  if (!observed(ctx)) {
    const counts = await readingCounts(raw, { ...span, end: window.end });
    return { rows: { agg_machine_activity_daily: [] }, ...counts };
  }

  const running = runningPredicate(variable.table === 'variable_log_float', state.runningValues);
  const { rows } = await sql<{
    running_ms: number;
    unplanned_ms: number;
    rows_read: number;
    invalid: number;
  }>`
    with ${intervalsCtes({ ...span, end: until, countEnd: window.end })}
    select coalesce(sum(e - s) filter (where not is_off and ${running}), 0)::float8 as running_ms,
           coalesce(sum(e - s) filter (where not is_off and not ${running}), 0)::float8 as unplanned_ms,
           (select rows_read from counts) as rows_read, (select invalid from counts) as invalid
    from intervals`.execute(raw);
  const { running_ms = 0, unplanned_ms = 0, rows_read = 0, invalid = 0 } = rows[0] ?? {};
  return {
    rows: { agg_machine_activity_daily: [activityRow(ctx, running_ms, unplanned_ms)] },
    rowsRead: rows_read,
    invalidSkipped: invalid,
  };
}

async function gapMethod(ctx: ExtractContext, gapSeconds: number): Promise<ActivityResult> {
  const { raw, window, horizon, until } = ctx;
  const result = await gapSessions({
    start: window.start,
    end: window.end,
    horizon: horizon ?? until,
    gapMs: gapSeconds * 1000,
  }).execute(raw);
  const { rows_read = 0, invalid = 0, running_ms = 0 } = result.rows[0] ?? {};
  const rows = observed(ctx) ? [activityRow(ctx, running_ms, 0)] : [];
  return { rows: { agg_machine_activity_daily: rows }, rowsRead: rows_read, invalidSkipped: invalid };
}
