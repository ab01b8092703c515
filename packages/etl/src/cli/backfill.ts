import type { Logger, Machine } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import type { Kysely } from 'kysely';
import { type RecordedSpan, recordDataSpans } from '../data-span.ts';
import { machineDays } from '../due-slices.ts';
import { describeError } from '../errors.ts';
import { defaultLateDataLookbackDays, lateWindowStart } from '../raw-fingerprint.ts';
import { type RunEtlsInput, runEtls, type SliceRun } from '../runner.ts';

/** What to run: the ETLs, for every day of the range (or of each machine's data), on each machine. */
export interface BackfillRequest {
  machines: readonly Machine[];
  /** ETL ids, run in this order for each (machine, day). */
  etls: readonly string[];
  /** Machine-local days, inclusive; both `null` for a full backfill of each machine's data span. */
  from: string | null;
  to: string | null;
  /** (machine, day) units run at once. */
  concurrency: number;
  /**
   * How far behind a machine's latest reading its days record what the run saw of the raw data, for
   * the scheduler's late-data checks (`LATE_DATA_LOOKBACK_DAYS`, 7 unless given). Only known on a
   * full backfill (the span is read); a given range records it on every day.
   */
  lateDataLookbackDays?: number;
}

export interface BackfillDeps {
  aggDb: Kysely<AggDatabase>;
  /** The machine's raw database (the caller opens it read-only, and closes it afterwards). */
  rawDb(machine: Machine): Kysely<RawDatabase>;
  /** Runs the ETLs of one (machine, day); {@link runEtls} unless a test replaces it. */
  runEtls?: (input: RunEtlsInput) => Promise<SliceRun[]>;
  progress?: ProgressSink;
  logger?: Logger;
  /** Aborting stops starting new days; days already running finish. */
  signal?: AbortSignal;
  /** Milliseconds, for timings; `performance.now` unless a test replaces it. */
  clock?: () => number;
}

export type SliceOutcome =
  | { etl: string; ok: true; rowsRead: number; rowsWritten: number; complete: boolean; durationMs: number }
  | { etl: string; ok: false; error: string; durationMs: number };

/** Every ETL of one (machine, day). */
export interface DayOutcome {
  machineId: string;
  day: string;
  slices: SliceOutcome[];
  durationMs: number;
}

export interface Progress {
  doneDays: number;
  totalDays: number;
  rowsRead: number;
  rowsWritten: number;
  elapsedMs: number;
}

/** One machine's share of the run, known before any day runs. */
export interface MachinePlan {
  machineId: string;
  days: string[];
  /** Why a machine has no days (no raw data at all) or could not be planned. */
  note?: string;
}

/** Receives progress as the run goes (the CLI prints it). */
export interface ProgressSink {
  planned(plan: MachinePlan[], totalDays: number): void;
  dayDone(day: DayOutcome, progress: Progress): void;
}

export interface SliceFailure {
  machineId: string;
  /** `null` when the machine failed before any slice ran (raw database unreachable). */
  etl: string | null;
  day: string | null;
  error: string;
}

export interface BackfillSummary {
  machines: number;
  /** (machine, day) units that ran. */
  days: number;
  /** (machine, day) units planned; more than `days` when interrupted. */
  plannedDays: number;
  slicesOk: number;
  slicesFailed: number;
  rowsRead: number;
  rowsWritten: number;
  elapsedMs: number;
  /** Time spent in each ETL (summed over concurrent days, so it may exceed `elapsedMs`). */
  perEtl: Record<string, { durationMs: number; rowsRead: number; rowsWritten: number }>;
  failures: SliceFailure[];
  /** Distinct warnings (a missing role variable…) with how many slices reported each. */
  warnings: Array<{ message: string; slices: number }>;
  interrupted: boolean;
}

/**
 * Runs ETLs over days through {@link runEtls}, `concurrency` (machine, day) units at a time (each
 * unit runs its ETLs one after the other; INSERT…SELECT never runs in parallel inside PostgreSQL,
 * so several days at once is how a backfill uses more cores). A failed slice is recorded and the
 * run goes on; the summary lists the failures.
 *
 * Without `from`/`to`, each machine's days run from the first to the last machine-local day with
 * raw data ({@link dataSpan}), and the spans read are recorded for the API (`machine_data_spans`).
 *
 * @example
 * const summary = await backfill(
 *   { machines, etls: ['sensor-stats'], from: '2024-03-01', to: '2024-03-31', concurrency: 2 },
 *   { aggDb, rawDb: (m) => raws.get(m.id)! },
 * );
 * summary.slicesFailed; // 0
 */
export async function backfill(request: BackfillRequest, deps: BackfillDeps): Promise<BackfillSummary> {
  const clock = deps.clock ?? (() => performance.now());
  const run = deps.runEtls ?? runEtls;
  const started = clock();
  const failures: SliceFailure[] = [];
  const warnings = new Map<string, number>();
  const perEtl: BackfillSummary['perEtl'] = {};
  for (const etl of request.etls) perEtl[etl] = { durationMs: 0, rowsRead: 0, rowsWritten: 0 };

  const plans: MachinePlan[] = [];
  const spans: RecordedSpan[] = [];
  // Days before it are never checked for late rows again: their runs skip the day's row count.
  const lateFrom = new Map<string, string>();
  for (const machine of request.machines) {
    try {
      const { span, ...days } = await machineDays(machine, deps.rawDb(machine), request);
      if (span !== undefined) spans.push({ machineId: machine.id, span, checkedAt: new Date() });
      if (span) {
        const lookback = request.lateDataLookbackDays ?? defaultLateDataLookbackDays;
        lateFrom.set(machine.id, lateWindowStart(span.last, machine.timezone, lookback));
      }
      plans.push({ machineId: machine.id, ...days });
    } catch (error) {
      const message = shortError(error);
      failures.push({ machineId: machine.id, etl: null, day: null, error: message });
      plans.push({ machineId: machine.id, days: [], note: `cannot read raw data: ${message}` });
    }
  }
  // The spans just read, for the API's view of every machine (one statement for all of them).
  await recordDataSpans(deps.aggDb, spans).catch((error) =>
    deps.logger?.warn({ error: describeError(error) }, 'could not record the machines’ data spans'),
  );
  const machinesById = new Map(request.machines.map((m) => [m.id, m]));
  // Chronological across machines, so a range fills up day by day everywhere.
  const units = plans
    .flatMap((p) => p.days.map((day) => ({ machine: machinesById.get(p.machineId)!, day })))
    .sort((a, b) => (a.day === b.day ? 0 : a.day < b.day ? -1 : 1));
  deps.progress?.planned(plans, units.length);

  let next = 0;
  let doneDays = 0;
  let slicesOk = 0;
  let rowsRead = 0;
  let rowsWritten = 0;

  const runDay = async (machine: Machine, day: string): Promise<DayOutcome> => {
    const dayStarted = clock();
    const slices: SliceOutcome[] = [];
    const rawDb = deps.rawDb(machine);
    const record = (etl: string, error: unknown, durationMs: number) => {
      const message = shortError(error);
      slices.push({ etl, ok: false, error: message, durationMs });
      failures.push({ machineId: machine.id, etl, day, error: message });
      perEtl[etl]!.durationMs += durationMs;
    };
    let runs: SliceRun[];
    try {
      runs = await run({
        aggDb: deps.aggDb,
        rawDb,
        machine,
        etls: request.etls,
        day,
        fingerprint: day >= (lateFrom.get(machine.id) ?? day),
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
    } catch (error) {
      for (const etl of request.etls) record(etl, error, 0);
      return { machineId: machine.id, day, slices, durationMs: clock() - dayStarted };
    }
    for (const sliceRun of runs) {
      if (!sliceRun.ok) {
        record(sliceRun.etl, sliceRun.error, 0);
        continue;
      }
      const { result } = sliceRun;
      slices.push({
        etl: sliceRun.etl,
        ok: true,
        rowsRead: result.rowsRead,
        rowsWritten: result.rowsWritten,
        complete: result.complete,
        durationMs: result.durationMs,
      });
      slicesOk++;
      rowsRead += result.rowsRead;
      rowsWritten += result.rowsWritten;
      const share = perEtl[sliceRun.etl]!;
      share.durationMs += result.durationMs;
      share.rowsRead += result.rowsRead;
      share.rowsWritten += result.rowsWritten;
      for (const warning of result.warnings) warnings.set(warning, (warnings.get(warning) ?? 0) + 1);
    }
    return { machineId: machine.id, day, slices, durationMs: clock() - dayStarted };
  };

  const worker = async () => {
    while (next < units.length && !deps.signal?.aborted) {
      const unit = units[next++]!;
      const outcome = await runDay(unit.machine, unit.day);
      doneDays++;
      deps.progress?.dayDone(outcome, {
        doneDays,
        totalDays: units.length,
        rowsRead,
        rowsWritten,
        elapsedMs: clock() - started,
      });
    }
  };
  const workers = Math.max(1, Math.min(request.concurrency, units.length));
  await Promise.all(Array.from({ length: workers }, worker));

  return {
    machines: request.machines.length,
    days: doneDays,
    plannedDays: units.length,
    slicesOk,
    slicesFailed: failures.filter((f) => f.etl !== null).length,
    rowsRead,
    rowsWritten,
    elapsedMs: clock() - started,
    perEtl,
    failures: failures.sort(compareFailures),
    warnings: [...warnings].map(([message, slices]) => ({ message, slices })),
    interrupted: doneDays < units.length,
  };
}

/** The underlying reason, on one line and short enough for a list (the ledger keeps the long one). */
export function shortError(error: unknown, max = 160): string {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  const line = describeError(cause);
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}

function compareFailures(a: SliceFailure, b: SliceFailure): number {
  const key = (f: SliceFailure) => `${f.machineId}\u0000${f.day ?? ''}\u0000${f.etl ?? ''}`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}
