import type { ColumnType, Generated } from 'kysely';

/** `timestamptz` columns: written as Date or ISO string, read as Date. */
type Instant = ColumnType<Date, Date | string, Date | string>;
/** `date` columns: always `YYYY-MM-DD` strings (no time-zone guessing by the driver). */
type LocalDate = string;
/** Generated columns: read-only. */
type Computed<T> = ColumnType<T, never, never>;

export interface AggSensorStatsTable {
  machine_id: string;
  sensor_name: string;
  hour_ts: Instant;
  day: LocalDate;
  min_value: number;
  max_value: number;
  avg_value: number;
  std_dev: number | null;
  readings_count: number;
}

export interface AggMachineActivityDailyTable {
  machine_id: string;
  day: LocalDate;
  running_seconds: number;
  unplanned_down_seconds: number;
  planned_down_seconds: number;
  day_seconds: number;
  state_running: Computed<number>;
  state_unplanned_down: Computed<number>;
  state_planned_down: Computed<number>;
  day_hours: Computed<number>;
  running_percentage: Computed<number>;
  down_percentage: Computed<number>;
}

export interface MachineProgramDataTable {
  machine_id: string;
  day: LocalDate;
  program: string;
  duration_seconds: number;
}

export interface AlertsDailyCountTable {
  machine_id: string;
  day: LocalDate;
  alert_type: 'emergency' | 'error' | 'warning' | 'other';
  amount: number;
}

export interface AlertsDetailTable {
  machine_id: string;
  /** Deterministic: activation epoch ms x 1000 + ordinal within that ms, so re-runs keep ids. */
  id: number;
  day: LocalDate;
  alert_ts: Instant;
  alert_type: 'emergency' | 'error';
  alarm_code: string | null;
  alarm_description: string | null;
  source_variable: string;
  raw: ColumnType<unknown, string, string>;
}

export interface EnergyConsumptionHourlyTable {
  machine_id: string;
  hour_ts: Instant;
  day: LocalDate;
  energy_kwh: number;
}

export type EtlRunStatus = 'running' | 'succeeded' | 'failed';

/** The run ledger (DOMAIN §6): the latest run of each (machine, ETL, day) slice. */
export interface EtlRunsTable {
  machine_id: string;
  etl: string;
  day: LocalDate;
  status: EtlRunStatus;
  complete: boolean;
  horizon: Instant | null;
  rows_read: number;
  invalid_skipped: number;
  rows_written: number;
  warnings: ColumnType<string[], string, string>;
  error: string | null;
  attempts: Generated<number>;
  started_at: Instant;
  finished_at: Instant | null;
  /** Raw rows in the day when the slice last succeeded (late-data fingerprint; null when not taken). */
  raw_rows: number | null;
  /** Epoch ms of the newest of those rows. */
  raw_latest: number | null;
  /** Hash of the raw state carried into the day at its start (null when not taken). */
  carry_in: string | null;
  /** Hash of the raw state the day carries out at its end, into the next day (null when not taken). */
  carry_out: string | null;
  /** The raw database's modification counter as of the run's snapshot, or of the plan that last verified it. */
  raw_changes: number | null;
  /** When a plan last found this slice's raw data unchanged since its run. */
  checked_at: Instant | null;
  /** Generation of the slice's current run: a run writes only while the row still carries its own. */
  run_token: number | null;
}

/** Each machine's span of raw data as the planner last read it (null instants: no data then). */
export interface MachineDataSpansTable {
  machine_id: string;
  first_reading: Instant | null;
  last_reading: Instant | null;
  checked_at: Instant;
  /** The raw database's modification counter when the span was read (null: unknown). */
  raw_changes: number | null;
}

export interface DataStatusView {
  machine_id: string;
  first_date: LocalDate | null;
  last_date: LocalDate | null;
  sensor_records: number;
  utilization_records: number;
  alert_records: number;
  program_records: number;
  energy_records: number;
  /** From the run ledger: the latest finished run, and slices failed, still running, or partial. */
  last_run_at: Date | null;
  failed_slices: number;
  running_slices: number;
  partial_slices: number;
}

/** The aggregation database. */
export interface AggDatabase {
  agg_sensor_stats: AggSensorStatsTable;
  agg_machine_activity_daily: AggMachineActivityDailyTable;
  machine_program_data: MachineProgramDataTable;
  alerts_daily_count: AlertsDailyCountTable;
  alerts_detail: AlertsDetailTable;
  energy_consumption_hourly: EnergyConsumptionHourlyTable;
  etl_runs: EtlRunsTable;
  machine_data_spans: MachineDataSpansTable;
  v_data_status: DataStatusView;
}

/** A machine's raw (logger) database: read-only for the product. */
export interface RawDatabase {
  variable: { id: number; name: string; datatype: string };
  variable_log_float: { id_var: number; date: number; value: number | null };
  variable_log_string: { id_var: number; date: number; value: string | null };
}
