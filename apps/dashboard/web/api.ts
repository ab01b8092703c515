// The API's responses as the dashboard reads them (see apps/api/README.md), and one way to fetch them.

export interface MachineInfo {
  id: string;
  name: string;
  timezone: string;
  profile: string;
  temperature_sensors: string[];
  /** The motors the hourly energy is estimated from (load in percent of the rated power). */
  motors: Array<{ variable: string; rated_kw: number }>;
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
/** A v2 `machine_util` day: the v1 fields plus the day's shares and hours as the API rounds them. */
export interface UtilDayRanged extends UtilDay {
  shares: FourStates;
  hours: FourStates;
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
/** A machine's state as the activity aggregate counts it (the API applies the profile). */
export type MachineState = 'running' | 'idle' | 'off';
/** `/api/v2/machine_changes`: the state signal in a window, readable. */
export interface StateChanges {
  machine: string;
  /** The profile's state variable; null: the machine has no state signal (gap method). */
  variable: string | null;
  /** Whether the raw database has that variable. */
  variable_logged: boolean;
  /** The reading in force at `start`; null: nothing logged before it (off: no reading yet). */
  at_start: { state: MachineState; value: number | string | null; logged_at: string } | null;
  changes: Array<{ ts: string; state: MachineState; value: number | string | null }>;
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
/** A machine's span of raw data as the scheduler last recorded it. */
export interface DataSpan {
  state: 'recorded' | 'no_readings' | 'unknown';
  first_reading: string | null;
  last_reading: string | null;
  first_day: string | null;
  last_day: string | null;
  last_reading_age_seconds: number | null;
  checked_at: string | null;
}
export interface RunGrid {
  from: string;
  to: string;
  etls: string[];
  total_machines: number;
  page: number;
  page_size: number;
  pages: number;
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
    data_span: DataSpan;
    days: Array<{ day: string; status: string; etls: RunCell[] }>;
  }>;
}

/** A machine's status in the plant, worst first. */
export const machineStatuses = ['failed', 'stale', 'alarm', 'no_data', 'ok'] as const;
export type MachineStatus = (typeof machineStatuses)[number];
export interface FourStates {
  running: number;
  idle: number;
  off: number;
  unknown: number;
}
export interface PlantMachine {
  machine: string;
  name: string;
  timezone: string;
  profile: string;
  status: MachineStatus;
  problems: { failed_slices: number; failed_days: number; stale_slices: number; stale_days: number };
  latest_day: {
    day: string;
    day_hours: number;
    shares: FourStates | null;
    hours: FourStates | null;
    energy_kwh: number | null;
    alerts: Record<'emergency' | 'error' | 'warning' | 'other', number>;
    latest_critical: {
      dt: string;
      ts: string;
      alert_type: string;
      alarm_code: string | null;
      alarm_description: string | null;
    } | null;
    pipeline: {
      status: string;
      etls: Record<string, string>;
      refreshed_at: string | null;
      refreshed_age_seconds: number | null;
      horizon: string | null;
    };
  } | null;
  data_span: DataSpan;
}
export interface Plant {
  generated_at: string;
  total: number;
  page: number;
  page_size: number;
  pages: number;
  counts: Record<MachineStatus, number>;
  machines: PlantMachine[];
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
