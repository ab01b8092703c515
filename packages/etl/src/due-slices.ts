import type { Machine } from '@mm/config';
import type { AggDatabase, EtlRunStatus, RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import { type DataSpan, dataSpan } from './data-span.ts';
import { daysBetween, dayWindow, localDay } from './day-window.ts';
import type { EtlId } from './etl.ts';
import { defaultLateDataLookbackDays, lateWindowStart, rawFingerprints } from './raw-fingerprint.ts';
import { resolveRoles } from './roles.ts';
import { SignalCatalog } from './signal-catalog.ts';

/** The status of one (machine, ETL, day) slice as the ledger tells it. */
export type CellStatus = 'complete' | 'partial' | 'failed' | 'running' | 'missing' | 'stale';

/** Worst first: a day's status is the worst of its ETLs' cells. */
export const cellStatusesWorstFirst: readonly CellStatus[] = [
  'failed',
  'stale',
  'missing',
  'running',
  'partial',
  'complete',
];

/** When a slice that should have moved on counts as `stale`. */
export interface StaleRules {
  /** A partial day whose last successful run finished longer ago than this (the scheduler should have re-run it). */
  partialAfterMs: number;
  /** A run that started longer ago than this and never finished (its worker died). */
  runningAfterMs: number;
}

export const defaultStaleRules: StaleRules = { partialAfterMs: 2 * 3_600_000, runningAfterMs: 3_600_000 };

/** The ledger columns the classification reads. */
export interface LedgerRun {
  status: EtlRunStatus;
  complete: boolean;
  started_at: Date;
  finished_at: Date | null;
}

/**
 * The status of a slice from its ledger row (the latest run of the slice), or `missing` without one:
 * `failed`; `running`, or `stale` once started more than `runningAfterMs` ago; `complete` for a
 * succeeded run of a complete day; `partial` for a succeeded run of a partial day, or `stale` once it
 * finished more than `partialAfterMs` ago.
 *
 * @example
 * classifyRun(undefined, new Date()); // 'missing'
 */
export function classifyRun(
  run: LedgerRun | undefined,
  now: Date,
  rules: StaleRules = defaultStaleRules,
): CellStatus {
  if (!run) return 'missing';
  if (run.status === 'failed') return 'failed';
  if (run.status === 'running') {
    return now.getTime() - run.started_at.getTime() > rules.runningAfterMs ? 'stale' : 'running';
  }
  if (run.complete) return 'complete';
  const finished = run.finished_at ?? run.started_at;
  return now.getTime() - finished.getTime() > rules.partialAfterMs ? 'stale' : 'partial';
}

/**
 * The worst of some statuses (see {@link cellStatusesWorstFirst}).
 *
 * @example
 * worstStatus(['complete', 'partial']); // 'partial'
 */
export function worstStatus(statuses: Iterable<CellStatus>): CellStatus {
  let worst = cellStatusesWorstFirst.length - 1;
  for (const s of statuses) worst = Math.min(worst, cellStatusesWorstFirst.indexOf(s));
  return cellStatusesWorstFirst[worst] ?? 'complete';
}

/** The days a run covers on one machine, and why there are none. */
export interface MachineDays {
  days: string[];
  /** Why a machine has no days (no raw data at all). */
  note?: string;
}

/**
 * The days to run on a machine: `from`..`to` when given, else every machine-local day from its first
 * to its latest reading ({@link dataSpan}); what `pnpm etl run` covers.
 *
 * @example
 * await machineDays(machine, raw, { from: null, to: null }); // { days: ['2024-03-01', …] }
 */
export async function machineDays(
  machine: Machine,
  raw: Kysely<RawDatabase>,
  range: { from: string | null; to: string | null },
): Promise<MachineDays> {
  if (range.from !== null) return { days: daysBetween(range.from, range.to ?? range.from) };
  const { span } = await readSpan(machine, raw);
  if (span === null) return { days: [], note: noDataNote };
  return { days: daysBetween(localDay(span.first, machine.timezone), localDay(span.last, machine.timezone)) };
}

/** Why a slice is due. */
export type DueReason = 'missing' | 'failed' | 'partial' | 'stale' | 'late';

export interface DueSlice {
  machine: string;
  etl: EtlId;
  day: string;
  reason: DueReason;
}

export interface DuePolicy {
  now: Date;
  /** A failed slice is due again only this long after its run ended, so a poison day does not spin. */
  failedCooldownMs: number;
  /** Completed days this close to the latest reading are checked for late raw rows. */
  lateDataLookbackDays?: number;
  staleRules?: StaleRules;
}

interface DueRow {
  day: string;
  etl: EtlId;
  status: EtlRunStatus | null;
  complete: boolean | null;
  started_at: Date | null;
  finished_at: Date | null;
  raw_rows: number | null;
  raw_latest: number | null;
}

/**
 * The slices of one machine that need a run, newest day first, planned from the aggregation
 * database's ledger and the raw data only (never from a queue, so whatever a queue lost is planned
 * again). Over every day from the machine's first reading to its latest one (and never past today
 * in its time zone: nothing after the latest reading is known), a slice is due when it is:
 * - `missing`: no ledger row;
 * - `failed`: its last run failed more than `failedCooldownMs` ago;
 * - `partial`: it succeeded before the day was over (re-run until complete);
 * - `stale`: partial for too long, or `running` for so long that its worker must have died;
 * - `late`: complete, within `lateDataLookbackDays` of the latest reading, and its raw rows changed
 *   since it ran (their count or newest instant differs from the ledger's fingerprint, or it has none).
 *
 * Cost per machine: the data span (index lookups), one ledger statement that returns only the
 * slices worth looking at, and one fingerprint statement over the lookback window's days.
 *
 * @example
 * const { due } = await dueSlices({ aggDb, rawDb, machine, etls: etlIds, policy: { now: new Date(), failedCooldownMs: 3_600_000 } });
 */
export async function dueSlices(input: {
  aggDb: Kysely<AggDatabase>;
  rawDb: Kysely<RawDatabase>;
  machine: Machine;
  etls: readonly EtlId[];
  policy: DuePolicy;
}): Promise<{ due: DueSlice[]; note?: string }> {
  const { aggDb, rawDb, machine, etls, policy } = input;
  const { span, catalog } = await readSpan(machine, rawDb);
  if (span === null || etls.length === 0) return { due: [], note: noDataNote };
  const zone = machine.timezone;
  const first = localDay(span.first, zone);
  const today = localDay(policy.now.getTime(), zone);
  const latestDay = localDay(span.last, zone);
  const last = [latestDay, today].sort()[0]!; // ISO dates sort as they fall
  if (first > last) return { due: [] };
  const lateFrom = lateWindowStart(
    span.last,
    zone,
    policy.lateDataLookbackDays ?? defaultLateDataLookbackDays,
  );

  // Every (day, ETL) of the span, joined to its ledger row; only the rows that can be due come back
  // (the complete ones only inside the late window), so a long history costs a scan in PostgreSQL,
  // not rows in Node.
  const { rows } = await sql<DueRow>`
    select d.day::date as day, e.etl, r.status, r.complete, r.started_at, r.finished_at, r.raw_rows, r.raw_latest
    from generate_series(${first}::date, ${last}::date, interval '1 day') as d(day)
    cross join unnest(${[...etls]}::text[]) as e(etl)
    left join etl_runs r on r.machine_id = ${machine.id} and r.etl = e.etl and r.day = d.day::date
    where r.machine_id is null or r.status <> 'succeeded' or not r.complete or d.day >= ${lateFrom}::date
    order by d.day desc, array_position(${[...etls]}::text[], e.etl)`.execute(aggDb);

  const rules = policy.staleRules ?? defaultStaleRules;
  const now = policy.now.getTime();
  const due: DueSlice[] = [];
  const lateCandidates: DueRow[] = [];
  for (const row of rows) {
    const slice = { machine: machine.id, etl: row.etl, day: row.day };
    if (row.status === null) {
      due.push({ ...slice, reason: 'missing' });
      continue;
    }
    const run: LedgerRun = {
      status: row.status,
      complete: row.complete ?? false,
      started_at: row.started_at ?? new Date(0),
      finished_at: row.finished_at,
    };
    const status = classifyRun(run, policy.now, rules);
    if (status === 'failed') {
      const ended = (run.finished_at ?? run.started_at).getTime();
      if (now - ended >= policy.failedCooldownMs) due.push({ ...slice, reason: 'failed' });
    } else if (status === 'partial' || status === 'stale') {
      due.push({ ...slice, reason: status });
    } else if (status === 'complete') {
      lateCandidates.push(row);
    }
  }

  if (lateCandidates.length > 0) {
    const days = [...new Set(lateCandidates.map((r) => r.day))];
    const current = await rawFingerprints(
      rawDb,
      catalog,
      days.map((day) => dayWindow(day, zone)),
    );
    for (const row of lateCandidates) {
      const now = current.get(row.day);
      const changed =
        !now || row.raw_rows === null || row.raw_rows !== now.rows || row.raw_latest !== now.latest;
      if (changed) due.push({ machine: machine.id, etl: row.etl, day: row.day, reason: 'late' });
    }
  }
  return { due: sortNewestFirst(due, etls) };
}

/**
 * Newest day first; within a day, in `etls` order. The order plans hand to the queue.
 *
 * @example
 * sortNewestFirst(slices, etlIds);
 */
export function sortNewestFirst<T extends { day: string; etl: string; machine: string }>(
  slices: T[],
  etls: readonly string[],
): T[] {
  return slices.sort(
    (a, b) =>
      (a.day < b.day ? 1 : a.day > b.day ? -1 : 0) ||
      (a.machine < b.machine ? -1 : a.machine > b.machine ? 1 : 0) ||
      etls.indexOf(a.etl) - etls.indexOf(b.etl),
  );
}

const noDataNote = 'no raw data on any mapped variable';

async function readSpan(
  machine: Machine,
  raw: Kysely<RawDatabase>,
): Promise<{ span: DataSpan | null; catalog: SignalCatalog }> {
  const catalog = await SignalCatalog.load(raw);
  return { span: await dataSpan(raw, resolveRoles(machine, catalog), catalog), catalog };
}
