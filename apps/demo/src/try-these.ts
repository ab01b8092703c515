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
 * The "try these" block printed once the API listens: working URLs for each machine on a day that
 * has data, and the API's documentation and metrics.
 *
 * @example
 * (await tryThese(agg, config.machines, 'http://127.0.0.1:8000')).forEach((line) => console.log(line));
 */
export async function tryThese(
  agg: Kysely<AggDatabase>,
  machines: readonly Machine[],
  baseUrl: string,
): Promise<string[]> {
  const lines = ['Try these:'];
  const curl = (path: string) => `  curl -s '${baseUrl}${path}'`;
  for (const machine of machines) {
    const day = await busiestDay(agg, machine.id);
    const m = `machine=${encodeURIComponent(machine.id)}`;
    lines.push(
      '',
      `  # ${machine.name} (${machine.id}, ${machine.timezone})${day ? `: busiest day ${day}` : ''}`,
    );
    lines.push(curl(`/api/v1/data_status?${m}`));
    if (!day) continue;
    const d = `${m}&target_date=${day}`;
    lines.push(curl(`/api/v1/machine_util?${d}`));
    lines.push(curl(`/api/v1/temperature?${d}`));
    lines.push(curl(`/api/v1/machine_program?${d}`));
    lines.push(curl(`/api/v1/alerts_daily_count?${d}`));
    lines.push(curl(`/api/v1/alerts_detail?${d}`));
    lines.push(curl(`/api/v1/energy_consumption?${d}`));
    const hour = await busiestHour(agg, machine.id, day);
    const window = hour
      ? `start=${isoSeconds(hour)}&end=${isoSeconds(new Date(hour.getTime() + 3_600_000))}`
      : `start=${day}T08:00:00&end=${day}T09:00:00`;
    lines.push(curl(`/api/v1/machine_changes?${m}&${window}`));
    lines.push(curl(`/api/v2/runs?${m}&from=${day}&to=${day}`));
  }
  lines.push(
    '',
    '  # Everything else',
    curl('/api/v2/machines'),
    curl('/api/status'),
    curl('/metrics'),
    `  open ${baseUrl}/docs   (the API documentation, offline)`,
  );
  return lines;
}
