import type { Machine } from '@mm/config';
import type { AggDatabase } from '@mm/db';
import type { Kysely } from 'kysely';

/** A machine's busiest aggregated day (most running time), or its last one; `null` when none. */
export async function busiestDay(agg: Kysely<AggDatabase>, machineId: string): Promise<string | null> {
  const row = await agg
    .selectFrom('agg_machine_activity_daily')
    .select('day')
    .where('machine_id', '=', machineId)
    .orderBy('running_seconds', 'desc')
    .orderBy('day', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.day ?? null;
}

/** The start of the day's hour with the most energy used: when the machine was busy. */
async function busiestHour(agg: Kysely<AggDatabase>, machineId: string, day: string): Promise<Date | null> {
  const row = await agg
    .selectFrom('energy_consumption_hourly')
    .select('hour_ts')
    .where('machine_id', '=', machineId)
    .where('day', '=', day)
    .orderBy('energy_kwh', 'desc')
    .orderBy('hour_ts')
    .limit(1)
    .executeTakeFirst();
  return row ? new Date(row.hour_ts) : null;
}

// `2024-03-05T08:00:00Z`: an instant the API reads unambiguously, whatever the machine's zone.
function isoSeconds(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}Z`;
}

/**
 * The "try the API" block printed once the demo is ready: a few working requests for each machine on
 * a day that has data; `/docs` has every endpoint.
 *
 * @example
 * (await tryThese(agg, config.machines, 'http://localhost:8000')).forEach((line) => console.log(line));
 */
export async function tryThese(
  agg: Kysely<AggDatabase>,
  machines: readonly Machine[],
  baseUrl: string,
): Promise<string[]> {
  const curl = (path: string) => `  curl -s '${baseUrl}${path}'`;
  const lines = ['Try the API:', curl('/api/v2/machines')];
  for (const machine of machines) {
    const day = await busiestDay(agg, machine.id);
    if (!day) continue;
    const m = `machine=${encodeURIComponent(machine.id)}`;
    const d = `${m}&target_date=${day}`;
    const hour = await busiestHour(agg, machine.id, day);
    const window = hour
      ? `start=${isoSeconds(hour)}&end=${isoSeconds(new Date(hour.getTime() + 3_600_000))}`
      : `start=${day}T08:00:00&end=${day}T09:00:00`;
    lines.push(
      `  # ${machine.name} (${machine.id}, ${machine.timezone}): busiest day ${day}`,
      curl(`/api/v1/machine_util?${d}`),
      curl(`/api/v1/energy_consumption?${d}`),
      curl(`/api/v2/machine_changes?${m}&${window}`),
    );
  }
  lines.push(`  Every endpoint, with its fields: ${baseUrl}/docs`);
  return lines;
}
