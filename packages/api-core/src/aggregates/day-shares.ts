import { type RawBuilder, sql } from 'kysely';

/** A day's time per state: running, idle (unplanned down), off (planned down), unknown (after the horizon). */
export interface FourStates {
  running: number;
  idle: number;
  off: number;
  unknown: number;
}

// One rounding rule for every share and hour the API serves beside the v1 fields, the rule of v1's
// percentages: computed from the activity row's seconds in PostgreSQL, rounded once to 2 decimals
// (numeric `round`, halves away from zero). A share of the plant and the same share of a range of days
// are then the same number, and a dashboard shows it as served.
const seconds = (alias: string) => ({
  running: sql.ref(`${alias}.running_seconds`),
  idle: sql.ref(`${alias}.unplanned_down_seconds`),
  off: sql.ref(`${alias}.planned_down_seconds`),
  unknown: sql`greatest(0, ${sql.ref(`${alias}.day_seconds`)} - ${sql.ref(`${alias}.running_seconds`)} - ${sql.ref(`${alias}.unplanned_down_seconds`)} - ${sql.ref(`${alias}.planned_down_seconds`)})`,
});

function fourStates(alias: string, scale: (seconds: RawBuilder<unknown>) => RawBuilder<unknown>) {
  const s = seconds(alias);
  return sql<FourStates>`json_build_object(
    'running', round((${scale(sql`${s.running}`)})::numeric, 2)::float8,
    'idle', round((${scale(sql`${s.idle}`)})::numeric, 2)::float8,
    'off', round((${scale(sql`${s.off}`)})::numeric, 2)::float8,
    'unknown', round((${scale(s.unknown)})::numeric, 2)::float8)`;
}

/**
 * The day's shares in percent of its full length (23, 24 or 25 hours), from an
 * `agg_machine_activity_daily` row aliased `alias`: a JSON object `{running, idle, off, unknown}`.
 * `running` and `off` equal v1's `running_percentage` and `down_percentage`.
 *
 * @example
 * sql`select ${dayShares('a')} as shares from agg_machine_activity_daily a`;
 */
export function dayShares(alias: string): RawBuilder<FourStates> {
  return fourStates(alias, (s) => sql`${s} / ${sql.ref(`${alias}.day_seconds`)} * 100`);
}

/**
 * The same day in hours, `{running, idle, off, unknown}`, each rounded like v1's hours.
 *
 * @example
 * sql`select ${dayHours('a')} as hours from agg_machine_activity_daily a`;
 */
export function dayHours(alias: string): RawBuilder<FourStates> {
  return fourStates(alias, (s) => sql`${s} / 3600`);
}
