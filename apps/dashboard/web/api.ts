// The API's responses as the dashboard reads them (see apps/api/README.md), and one way to fetch them.

export interface MachineInfo {
  id: string;
  name: string;
  timezone: string;
  profile: string;
  temperature_sensors: string[];
}
export interface DataStatus {
  first_date: string | null;
  last_date: string | null;
}
export interface UtilDay {
  dt: string;
  state_running: number;
  state_planned_down: number;
  state_unplanned_down: number;
  running_percentage: number;
  down_percentage: number;
  day_hours: number;
}
export interface TemperatureHour {
  dt: string;
  ts: string;
  min_value: number;
  avg_value: number;
  max_value: number;
  std_dev: number | null;
  readings_count: number;
}
export interface EnergyHour {
  hour_ts: string;
  ts: string;
  energy_kwh: number;
}
export interface ProgramDay {
  dt: string;
  program: string | number;
  duration_seconds: number;
}
export interface AlertCount {
  day: string;
  alert_type: 'emergency' | 'error' | 'warning' | 'other';
  amount: number;
}
export interface AlertDetail {
  id: number;
  dt: string;
  alert_type: string;
  alarm_code: string | null;
  alarm_description: string | null;
}
export interface StateChange {
  ts: string;
  value: number | string | null;
}
export interface RunCell {
  etl: string;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  rows: number | null;
  attempts: number | null;
  error: string | null;
}
export interface RunGrid {
  from: string;
  to: string;
  etls: string[];
  machines: Array<{
    machine: string;
    name: string;
    timezone: string;
    freshness: {
      last_success_at: string | null;
      last_success_age_seconds: number | null;
      last_complete_day: string | null;
      horizon: string | null;
    };
    counts: Record<string, number>;
    days: Array<{ day: string; status: string; etls: RunCell[] }>;
  }>;
}

/** A response that is not a 2xx, or no response at all; `message` is what the page shows. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/**
 * GETs (or sends) JSON. The browser revalidates with the API's ETags by itself, so a refresh of
 * unchanged data costs a `304`.
 *
 * @example
 * const machines = await getJson<MachineInfo[]>('/api/v2/machines');
 */
export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { Accept: 'application/json', ...init?.headers } });
  } catch {
    throw new ApiError('The API does not answer (network error or server down).', null);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) throw new ApiError(describeError(res.status, body), res.status);
  return body as T;
}

function describeError(status: number, body: unknown): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string') return status === 503 ? `${detail}.` : `${detail} (HTTP ${status}).`;
  if (Array.isArray(detail)) {
    return detail.map((d: { loc?: string[]; msg?: string }) => `${d.loc?.at(-1)}: ${d.msg}`).join('; ');
  }
  return `The API answered HTTP ${status}.`;
}

/** A query string from defined values. */
export function query(params: Record<string, string | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  return new URLSearchParams(entries).toString();
}
