// The JSON bodies the HTTP API answers, as TypeScript types: what the dashboard reads and what the
// API's response schemas must produce (apps/api binds each schema to its type here, both ways, so a
// change on either side fails `pnpm typecheck` until the other follows). Names are those of the
// components of `/openapi.json`; what each field means is said there and in docs/api.md.
// Types only: importing this package adds nothing to a bundle.

/** `YYYY-MM-DD`, a day in the machine's own time zone. */
export type LocalDate = string;
/** `YYYY-MM-DD HH:MM:SS[.ffffff]`, a wall-clock time in the machine's zone (ambiguous at fall-back). */
export type NaiveTimestamp = string;
/** `YYYY-MM-DD HH:MM:SS[.ffffff]+HH:MM`, an instant written in the machine's zone. */
export type AwareTimestamp = string;

// --- Errors -------------------------------------------------------------------------------------

/** 4xx/5xx other than a validation error. */
export interface ErrorDetail {
  detail: string;
}
/** 422: every parameter that is missing, repeated or malformed. */
export interface ValidationError {
  detail: Array<{ loc: Array<string | number>; msg: string; type: string }>;
}

// --- Root and status ----------------------------------------------------------------------------

/** `GET /` to an API client. */
export interface Message {
  message: string;
}
export type CheckState = 'ok' | 'down';
/** `GET /api/status`. */
export interface Status {
  status: 'ok' | 'unavailable';
  database: string;
  version: string;
  checks: {
    aggregation_db: 'ok' | 'down' | 'not_migrated';
    raw_db: CheckState;
    /** Present only when the API uses Redis. */
    redis?: CheckState | undefined;
  };
}

// --- Machines and what is aggregated ------------------------------------------------------------

/** An element of `GET /api/v2/machines`. */
export interface Machine {
  id: string;
  name: string;
  timezone: string;
  profile: string;
  temperature_sensors: string[];
  /** The motors the hourly energy is estimated from (load in percent of the rated power). */
  motors: Array<{ variable: string; rated_kw: number }>;
}

/** `GET /api/v1/data_status`. */
export interface DataStatus {
  first_date: LocalDate | null;
  last_date: LocalDate | null;
  sensor_records: number;
  utilization_records: number;
  alert_records: number;
  program_records: number;
  energy_records: number;
}
export interface MachineDataStatus extends DataStatus {
  machine: string;
}
/** `GET /api/v2/data_status`. */
export interface DataStatusPage extends Paging {
  total: number;
  machines: MachineDataStatus[];
}

interface Paging {
  page: number;
  page_size: number;
  pages: number;
}

// --- Daily and hourly aggregates ----------------------------------------------------------------

/** Running, idle (unplanned down), off (planned down) and after the data horizon. */
export interface FourStates {
  running: number;
  idle: number;
  off: number;
  unknown: number;
}

/** An element of `GET /api/v1/machine_util`. */
export interface MachineUtilDay {
  dt: LocalDate;
  state_running: number;
  state_planned_down: number;
  running_percentage: number;
  down_percentage: number;
  state_unplanned_down: number;
  day_hours: number;
}
/** An element of `GET /api/v2/machine_util`: the v1 fields plus the shares and hours as the API rounds them. */
export interface MachineUtilDayRanged extends MachineUtilDay {
  shares: FourStates;
  hours: FourStates;
}

/** An element of `GET /api/v1/temperature`. */
export interface TemperatureHour {
  dt: NaiveTimestamp;
  min_value: number;
  avg_value: number;
  max_value: number;
  /** Null under 2 readings. */
  std_dev: number | null;
  readings_count: number;
}
/** An element of `GET /api/v2/temperature`. */
export interface TemperatureHourRanged extends TemperatureHour {
  ts: AwareTimestamp;
}

/** An element of `GET /api/v1/energy_consumption`. */
export interface EnergyHour {
  hour_ts: NaiveTimestamp;
  energy_kwh: number;
}
/** An element of `GET /api/v2/energy_consumption`. */
export interface EnergyHourRanged extends EnergyHour {
  ts: AwareTimestamp;
}

/** An element of `GET /api/v1/machine_program` and `/api/v2/machine_program`. */
export interface MachineProgramDay {
  dt: LocalDate;
  /** A number when the identifier is an integer, else the text as stored. */
  program: number | string;
  duration_seconds: number;
}

export type AlertType = 'emergency' | 'error' | 'warning' | 'other';
/** The severities `alerts_detail` lists. */
export type CriticalAlertType = 'emergency' | 'error';
/** An element of `GET /api/v1/alerts_daily_count` and `/api/v2/alerts_daily_count`. */
export interface AlertsDailyCount {
  day: LocalDate;
  alert_type: AlertType;
  amount: number;
}
/** An element of `GET /api/v1/alerts_detail`. */
export interface AlertDetail {
  id: number;
  dt: NaiveTimestamp;
  alert_type: CriticalAlertType;
  alarm_code: string | null;
  alarm_description: string | null;
}

// --- Raw state signal ---------------------------------------------------------------------------

/** An element of `GET /api/v1/machine_changes`. */
export interface MachineChange {
  ts: AwareTimestamp;
  value: number | string | null;
}
/** A machine's state as the activity aggregate counts it (the API applies the profile). */
export type MachineState = 'running' | 'idle' | 'off';
/** `GET /api/v2/machine_changes`: the state signal in a window, readable. */
export interface MachineStateChanges {
  machine: string;
  /** The profile's state variable; null: the machine has no state signal (gap method). */
  variable: string | null;
  /** Whether the raw database has that variable. */
  variable_logged: boolean;
  /** The reading in force at `start`; null: nothing logged before it (off: no reading yet). */
  at_start: { state: MachineState; value: number | string | null; logged_at: AwareTimestamp } | null;
  changes: Array<{ ts: AwareTimestamp; state: MachineState; value: number | string | null }>;
}

// --- Run ledger and plant -----------------------------------------------------------------------

/** The status of one (machine, ETL, day) slice; a day's is the worst of its cells. */
export type CellStatus = 'complete' | 'partial' | 'failed' | 'running' | 'missing' | 'stale';

/** A machine's span of raw data as the scheduler last recorded it. */
export interface DataSpan {
  state: 'recorded' | 'no_readings' | 'unknown';
  first_reading: AwareTimestamp | null;
  last_reading: AwareTimestamp | null;
  first_day: LocalDate | null;
  last_day: LocalDate | null;
  last_reading_age_seconds: number | null;
  checked_at: AwareTimestamp | null;
}

export interface StaleRules {
  partial_after_seconds: number;
  running_after_seconds: number;
}

/** One (machine, ETL, day) cell of `GET /api/v2/runs`. */
export interface RunCell {
  etl: string;
  status: CellStatus;
  started_at: AwareTimestamp | null;
  finished_at: AwareTimestamp | null;
  rows: number | null;
  rows_read: number | null;
  attempts: number | null;
  error: string | null;
}
/** One machine of `GET /api/v2/runs`. */
export interface RunGridMachine {
  machine: string;
  name: string;
  timezone: string;
  freshness: {
    last_success_at: AwareTimestamp | null;
    last_success_age_seconds: number | null;
    last_complete_day: LocalDate | null;
    horizon: AwareTimestamp | null;
  };
  /** Cells per status in the range. */
  counts: Record<string, number>;
  data_span: DataSpan;
  days: Array<{ day: LocalDate; status: CellStatus; etls: RunCell[] }>;
}
/** `GET /api/v2/runs`: the run ledger as a (machine x ETL x day) grid. */
export interface RunGrid extends Paging {
  from: LocalDate;
  to: LocalDate;
  generated_at: AwareTimestamp;
  stale_rules: StaleRules;
  etls: string[];
  total_machines: number;
  machines: RunGridMachine[];
}

/** A machine's status in the plant. */
export type MachineStatus = 'failed' | 'stale' | 'alarm' | 'no_data' | 'ok';
/** One machine of `GET /api/v2/plant`. */
export interface PlantMachine {
  machine: string;
  name: string;
  timezone: string;
  profile: string;
  status: MachineStatus;
  problems: { failed_slices: number; failed_days: number; stale_slices: number; stale_days: number };
  /** Null when nothing is aggregated. */
  latest_day: {
    day: LocalDate;
    day_hours: number;
    /** Null without an activity row for the day. */
    shares: FourStates | null;
    hours: FourStates | null;
    energy_kwh: number | null;
    alerts: Record<AlertType, number>;
    latest_critical: {
      dt: NaiveTimestamp;
      ts: AwareTimestamp;
      alert_type: CriticalAlertType;
      alarm_code: string | null;
      alarm_description: string | null;
    } | null;
    pipeline: {
      status: CellStatus;
      etls: Record<string, CellStatus>;
      refreshed_at: AwareTimestamp | null;
      refreshed_age_seconds: number | null;
      horizon: AwareTimestamp | null;
    };
  } | null;
  data_span: DataSpan;
}
/** `GET /api/v2/plant`. */
export interface Plant extends Paging {
  generated_at: AwareTimestamp;
  stale_rules: StaleRules;
  total: number;
  /** Machines per status among those matching every filter but `status`. */
  counts: Record<string, number>;
  machines: PlantMachine[];
}

// --- Admin --------------------------------------------------------------------------------------

/** `GET /admin/session`. */
export interface AdminSession {
  user: string;
  /** Bull Board and `POST /admin/requeue` are available (the API uses Redis). */
  queues: boolean;
}
export type RequeueOutcome = 'added' | 'requeued' | 'pending' | 'active';
/** `POST /admin/requeue` (202). */
export interface RequeueResult {
  machine: string;
  etls: string[];
  from: LocalDate;
  to: LocalDate;
  /** The part of the range the machine has raw data for (`null`: none of it); only these days are queued. */
  data_days: { from: LocalDate; to: LocalDate } | null;
  /** Days of the range outside the machine's raw data, not queued. */
  skipped_days: number;
  counts: Record<RequeueOutcome, number>;
  jobs: Array<{ etl: string; day: LocalDate; job_id: string; outcome: RequeueOutcome }>;
}
