import {
  daysBetween,
  dayWindow,
  firstCalendarDate,
  lastCalendarDate,
  localDay,
  supportedPart,
} from '@mm/calendar';
import type { Machine } from '@mm/config';
import type { AggDatabase, EtlRunStatus, RawDatabase } from '@mm/db';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { type DataSpan, dataSpan, type RecordedSpan, readDataSpans, recordDataSpans } from './data-span.ts';
import { describeError } from './errors.ts';
import type { EtlId } from './etl.ts';
import { rawChangeCounter } from './raw-changes.ts';
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
  /** When a plan last found the slice's raw data unchanged since the run (it counts as fresh then). */
  checked_at?: Date | null;
}

/**
 * The status of a slice from its ledger row (the latest run of the slice), or `missing` without one:
 * `failed`; `running`, or `stale` once started more than `runningAfterMs` ago; `complete` for a
 * succeeded run of a complete day; `partial` for a succeeded run of a partial day, or `stale` once
 * neither a run nor a plan's check (`checked_at`: raw data unchanged) happened for `partialAfterMs`.
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
  const finished = Math.max((run.finished_at ?? run.started_at).getTime(), run.checked_at?.getTime() ?? 0);
  return now.getTime() - finished > rules.partialAfterMs ? 'stale' : 'partial';
}

/**
 * {@link classifyRun} as a SQL expression over an `etl_runs` row named `alias`, for statements that
 * classify the ledger rows of every machine at once instead of reading them into Node. The two are one
 * rule written twice only because one runs in PostgreSQL: `cell-status-sql.int.test.ts` checks every
 * kind of row against `classifyRun`, on both sides of each threshold.
 *
 * @example
 * sql`select ${cellStatusSql('r', now, rules)} from etl_runs r`
 */
export function cellStatusSql(alias: string, now: Date, rules: StaleRules): RawBuilder<CellStatus> {
  const column = (name: string) => sql.ref(`${alias}.${name}`);
  const at = now.toISOString();
  return sql<CellStatus>`case
    when ${column('status')} = 'failed' then 'failed'
    when ${column('status')} = 'running' then
      case when ${column('started_at')} < ${at}::timestamptz - ${rules.runningAfterMs} * interval '1 millisecond'
           then 'stale' else 'running' end
    when ${column('complete')} then 'complete'
    when greatest(coalesce(${column('finished_at')}, ${column('started_at')}), ${column('checked_at')})
         < ${at}::timestamptz - ${rules.partialAfterMs} * interval '1 millisecond'
      then 'stale'
    else 'partial' end`;
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
  /** The machine's data span, when it was read (no `from`): worth recording for the API. */
  span?: DataSpan | null;
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
  if (span === null) return { days: [], note: noDataNote, span };
  const days = supportedPart(localDay(span.first, machine.timezone), localDay(span.last, machine.timezone));
  if (days === null) return { days: [], note: outsideSupportedNote, span };
  return { days: daysBetween(days.from, days.to), span };
}

/** Why a slice is due. */
export type DueReason = 'missing' | 'failed' | 'partial' | 'stale' | 'late';

export interface DueSlice {
  machine: string;
  etl: EtlId;
  day: string;
  reason: DueReason;
  /**
   * Whether the run should record what it saw of the raw data: days inside the late-data window,
   * the only ones plans check again.
   */
  fingerprint: boolean;
}

export interface DuePolicy {
  now: Date;
  /** A failed slice is due again only this long after its run ended, so a poison day does not spin. */
  failedCooldownMs: number;
  /** Completed days this close to the latest reading are checked for late raw rows. */
  lateDataLookbackDays?: number;
  /**
   * A partial day is refreshed at most this often, and only when its raw data changed; a machine's
   * recent days are fingerprinted at most this often (`PARTIAL_REFRESH_SECONDS`).
   */
  refreshMs: number;
  staleRules?: StaleRules;
}

export interface PlanDueInput {
  aggDb: Kysely<AggDatabase>;
  /** The machine's raw database; the caller's pools bound the connections. */
  rawDb(machine: Machine): Kysely<RawDatabase>;
  machines: readonly Machine[];
  etls: readonly EtlId[];
  policy: DuePolicy;
  /** Machines whose raw databases are read at once. */
  concurrency: number;
}

export interface PlanDueResult {
  /** Newest day first; within a day, by ETL, then machine. */
  due: DueSlice[];
  /** Machines whose raw database could not be read: planned at the next plan. */
  failedMachines: Array<{ machine: string; error: string }>;
  /** Where the time went: reading spans and counters, the ledger, fingerprinting recent days. */
  timings: { rawMs: number; ledgerMs: number; fingerprintMs: number };
  /** Slices found unchanged since their run (not re-run), and machines whose recent days were fingerprinted. */
  unchanged: number;
  fingerprinted: number;
}

/** What a plan read from one machine's raw database. */
interface MachineRead {
  machine: Machine;
  /** Loaded when the span had to be read, or when a fingerprint needs it. */
  catalog: SignalCatalog | null;
  span: DataSpan;
  /** The raw database's modification counter (`null`: unknown). */
  changes: number | null;
  first: string;
  last: string;
  lateFrom: string;
}

interface LedgerRow {
  machine_id: string;
  day: string;
  etl: EtlId;
  status: EtlRunStatus | null;
  complete: boolean | null;
  started_at: Date | null;
  finished_at: Date | null;
  checked_at: Date | null;
  horizon: Date | null;
  raw_rows: number | null;
  raw_latest: number | null;
  raw_changes: number | null;
  abandoned: boolean | null;
  carry_changed: boolean | null;
}

/**
 * The slices of every machine that need a run, planned from the aggregation database's ledger and the
 * raw data only (never from a queue, so whatever a queue lost is planned again). Over every day from a
 * machine's first reading to its latest one (never past today in its time zone), a slice is due when
 * it is:
 * - `missing`: no ledger row;
 * - `failed`: its last run failed more than `failedCooldownMs` ago;
 * - `stale`: `running`, but nobody runs it: no session holds the slice's advisory lock (a run holds
 *   it while it extracts and writes; a run killed, or whose last attempt could not record its
 *   failure, holds nothing). A job that is about to take the lock is still active in the queue,
 *   where the enqueue leaves it alone;
 * - `partial`: it succeeded before the day was over, its last run (or check) is `refreshMs` old, and
 *   the day's raw data changed since: the horizon moved, or the day's rows (count, newest) differ.
 *   A machine whose logger stopped keeps a partial last day that is never re-run;
 * - `late`: complete, within `lateDataLookbackDays` of the latest reading, and its raw rows changed
 *   since it ran (or it has no fingerprint); or the raw state carried into it differs from what the
 *   day before now carries out (a re-run of D saw rows before midnight that D+1 did not).
 *
 * Cost: per machine one statement on its raw database (the modification counter), plus a few index
 * look-ups (catalog, span) when the counter moved since the span was recorded, `concurrency`
 * machines at a time; ONE ledger statement for all machines, reading only unfinished
 * slices (a partial index), the recent days and the days a gap makes missing; and fingerprints (one
 * statement per machine) only where rows can have arrived: never while the raw database's
 * modification counter equals the one the slice's run (or last check) saw, and per slice at most
 * every `refreshMs`. Slices found unchanged are marked `checked_at` (with the counter), which also
 * keeps a partial day from counting as stale.
 *
 * @example
 * const { due } = await planDueSlices({ aggDb, rawDb, machines, etls: etlIds, concurrency: 4, policy: { now: new Date(), failedCooldownMs: 3_600_000, refreshMs: 900_000 } });
 */
export async function planDueSlices(input: PlanDueInput): Promise<PlanDueResult> {
  const { aggDb, etls, policy } = input;
  const now = policy.now.getTime();
  const lookback = policy.lateDataLookbackDays ?? defaultLateDataLookbackDays;
  const failedMachines: PlanDueResult['failedMachines'] = [];
  const timings = { rawMs: 0, ledgerMs: 0, fingerprintMs: 0 };
  const result = (due: DueSlice[], unchanged = 0, fingerprinted = 0): PlanDueResult => ({
    due: sortNewestFirst(due, etls),
    failedMachines,
    timings,
    unchanged,
    fingerprinted,
  });

  // 1. Each machine's modification counter, and its catalog and span unless the counter says the
  // span recorded by the last plan is still current; `concurrency` machines at a time.
  let started = performance.now();
  const machines = new Map<string, MachineRead>();
  const spans: RecordedSpan[] = [];
  const recorded = await readDataSpans(
    aggDb,
    input.machines.map((m) => m.id),
  );
  // Machines of one raw database one after the other: their look-ups reuse its connections instead
  // of closing another database's to open one (the raw connections are capped).
  const byDatabase = [...input.machines].sort((a, b) =>
    a.rawDatabaseUrl < b.rawDatabaseUrl ? -1 : a.rawDatabaseUrl > b.rawDatabaseUrl ? 1 : 0,
  );
  await eachBounded(byDatabase, input.concurrency, async (machine) => {
    try {
      const read = await input
        .rawDb(machine)
        .connection()
        .execute(async (raw) => {
          // The counter first: every row it counts is in what is read after it (rawChangeCounter).
          const changes = await rawChangeCounter(raw);
          const known = recorded.get(machine.id);
          if (changes !== null && known?.rawChanges === changes) {
            return { changes, span: known.span, catalog: null };
          }
          return { changes, ...(await readSpan(machine, raw)) };
        });
      spans.push({ machineId: machine.id, span: read.span, checkedAt: policy.now, rawChanges: read.changes });
      if (read.span === null || etls.length === 0) return;
      const zone = machine.timezone;
      const days = supportedPart(localDay(read.span.first, zone), localDay(read.span.last, zone));
      if (days === null) return;
      const first = days.from;
      const last = [days.to, localDay(now, zone)].sort()[0]!;
      if (first > last) return;
      machines.set(machine.id, {
        machine,
        catalog: read.catalog,
        span: read.span,
        changes: read.changes,
        first,
        last,
        lateFrom: lateWindowStart(read.span.last, zone, lookback),
      });
    } catch (error) {
      failedMachines.push({ machine: machine.id, error: describeError(error) });
    }
  });
  timings.rawMs = performance.now() - started;

  // 2. The spans for the API, and the ledger: one statement each, whatever the number of machines.
  started = performance.now();
  await recordDataSpans(aggDb, spans);
  if (machines.size === 0) {
    timings.ledgerMs = performance.now() - started;
    return result([]);
  }
  const rows = await ledgerCandidates(aggDb, [...machines.values()], etls);
  timings.ledgerMs = performance.now() - started;

  // 3. Classify; what needs a look at the raw data is fingerprinted afterwards, per machine.
  const rules = policy.staleRules ?? defaultStaleRules;
  const due: DueSlice[] = [];
  const toFingerprint = new Map<string, LedgerRow[]>();
  const verified: Array<{ row: LedgerRow; changes: number | null }> = [];
  for (const row of rows) {
    const m = machines.get(row.machine_id)!;
    const slice = { machine: row.machine_id, etl: row.etl, day: row.day, fingerprint: row.day >= m.lateFrom };
    const fingerprintLater = () =>
      toFingerprint.set(m.machine.id, [...(toFingerprint.get(m.machine.id) ?? []), row]);
    // Nothing was written to the raw database since the run's snapshot (or since the last check).
    const unchanged = m.changes !== null && row.raw_changes !== null && row.raw_changes === m.changes;
    const seen = Math.max(row.finished_at?.getTime() ?? 0, row.checked_at?.getTime() ?? 0);
    const withinCadence = now - seen < policy.refreshMs;
    if (row.status === null) {
      due.push({ ...slice, reason: 'missing' });
    } else if (row.status === 'failed') {
      const ended = (row.finished_at ?? row.started_at ?? new Date(0)).getTime();
      if (now - ended >= policy.failedCooldownMs) due.push({ ...slice, reason: 'failed' });
    } else if (row.status === 'running') {
      const started = row.started_at?.getTime() ?? 0;
      if (row.abandoned || now - started > rules.runningAfterMs) due.push({ ...slice, reason: 'stale' });
    } else if (row.carry_changed) {
      due.push({ ...slice, reason: 'late' });
    } else if (!row.complete) {
      if (withinCadence) continue;
      if (unchanged) verified.push({ row, changes: m.changes });
      else if (row.horizon?.getTime() !== m.span.last) due.push({ ...slice, reason: 'partial' });
      else fingerprintLater();
    } else if (row.day >= m.lateFrom) {
      if (row.raw_rows === null) due.push({ ...slice, reason: 'late' });
      else if (!unchanged && !withinCadence) fingerprintLater();
    }
  }

  // 4. Fingerprints of the days that need one, one statement per machine, `concurrency` at a time.
  started = performance.now();
  await eachBounded([...toFingerprint], input.concurrency, async ([machineId, candidates]) => {
    const m = machines.get(machineId)!;
    try {
      const days = [...new Set(candidates.map((r) => r.day))];
      const raw = input.rawDb(m.machine);
      const current = await rawFingerprints(
        raw,
        m.catalog ?? (await SignalCatalog.load(raw)),
        days.map((day) => dayWindow(day, m.machine.timezone)),
      );
      for (const row of candidates) {
        const seen = current.get(row.day);
        const changed = !seen || row.raw_rows !== seen.rows || row.raw_latest !== seen.latest;
        const slice = { machine: machineId, etl: row.etl, day: row.day, fingerprint: row.day >= m.lateFrom };
        if (changed) due.push({ ...slice, reason: row.complete ? 'late' : 'partial' });
        else verified.push({ row, changes: m.changes });
      }
    } catch (error) {
      failedMachines.push({ machine: machineId, error: describeError(error) });
    }
  });
  await recordChecks(aggDb, policy.now, verified);
  timings.fingerprintMs = performance.now() - started;
  return result(due, verified.length, toFingerprint.size);
}

/**
 * The ledger rows a plan must look at, for every machine in one statement: slices missing from the
 * ledger (generated only for the (machine, ETL) pairs whose row count shows a gap), unfinished ones
 * (running, failed, partial: a partial index), and every slice of the recent days (late-data window),
 * each with whether its `running` row is abandoned (no session holds its advisory lock, from one read
 * of `pg_locks`) and whether the state it was computed from differs from what the day before carries
 * out now.
 */
async function ledgerCandidates(
  aggDb: Kysely<AggDatabase>,
  machines: readonly MachineRead[],
  etls: readonly EtlId[],
): Promise<LedgerRow[]> {
  const { rows } = await sql<LedgerRow>`
    with m as (
      select * from unnest(${machines.map((m) => m.machine.id)}::text[], ${machines.map((m) => m.first)}::date[],
                           ${machines.map((m) => m.last)}::date[], ${machines.map((m) => m.lateFrom)}::date[])
        as m(machine_id, first_day, last_day, late_from)
    ),
    e as (select * from unnest(${[...etls]}::text[]) as e(etl)),
    held as (
      select (l.classid::bigint << 32) | l.objid::bigint as key
      from pg_locks l
      where l.locktype = 'advisory' and l.objsubid = 1
        and l.database = (select oid from pg_database where datname = current_database())
    ),
    gaps as (
      select m.machine_id, e.etl, m.first_day, m.last_day
      from m cross join e
      where (select count(*) from etl_runs r
             where r.machine_id = m.machine_id and r.etl = e.etl and r.day between m.first_day and m.last_day)
            < m.last_day - m.first_day + 1
    ),
    missing as (
      select g.machine_id, d.day::date as day, g.etl
      from gaps g cross join generate_series(g.first_day, g.last_day, interval '1 day') as d(day)
      where not exists (select 1 from etl_runs r
                        where r.machine_id = g.machine_id and r.etl = g.etl and r.day = d.day::date)
    ),
    found as (
      select r.machine_id, r.etl, r.day
      from m join etl_runs r on r.machine_id = m.machine_id and r.day between m.first_day and m.last_day
      where r.status <> 'succeeded' or not r.complete
      union
      select r.machine_id, r.etl, r.day
      from m cross join e
      join etl_runs r on r.machine_id = m.machine_id and r.etl = e.etl
        and r.day between greatest(m.first_day, m.late_from) and m.last_day
    )
    select r.machine_id, to_char(r.day, 'YYYY-MM-DD') as day, r.etl, r.status, r.complete, r.started_at,
           r.finished_at, r.checked_at, r.horizon, r.raw_rows, r.raw_latest, r.raw_changes,
           r.status = 'running' and not exists (
             select 1 from held
             where held.key = hashtextextended('etl:' || r.machine_id || ':' || r.etl || ':' || to_char(r.day, 'YYYY-MM-DD'), 0)
           ) as abandoned,
           coalesce(p.carry_out <> r.carry_in, false) as carry_changed
    from found f
    join etl_runs r using (machine_id, etl, day)
    left join etl_runs p on p.machine_id = r.machine_id and p.etl = r.etl and p.day = r.day - 1
    union all
    select machine_id, to_char(day, 'YYYY-MM-DD'), etl, null, null, null, null, null, null, null, null, null,
           null, null
    from missing`.execute(aggDb);
  return rows;
}

/**
 * After a plan: slices whose raw data it found unchanged since their run get `checked_at` and the
 * counter it was found unchanged at (only if no run replaced them meanwhile), in one statement.
 */
async function recordChecks(
  aggDb: Kysely<AggDatabase>,
  now: Date,
  verified: ReadonlyArray<{ row: LedgerRow; changes: number | null }>,
): Promise<void> {
  if (verified.length === 0) return;
  await sql`
    update etl_runs r set checked_at = ${now.toISOString()}::timestamptz,
                          raw_changes = coalesce(v.changes, r.raw_changes)
    from unnest(${verified.map((v) => v.row.machine_id)}::text[], ${verified.map((v) => v.row.etl)}::text[],
                ${verified.map((v) => v.row.day)}::date[],
                ${verified.map((v) => v.row.finished_at?.toISOString() ?? null)}::timestamptz[],
                ${verified.map((v) => v.changes)}::bigint[])
      as v(machine_id, etl, day, finished_at, changes)
    where r.machine_id = v.machine_id and r.etl = v.etl and r.day = v.day and r.status = 'succeeded'
      and date_trunc('milliseconds', r.finished_at) = v.finished_at`.execute(aggDb);
}

/** Runs `work` over `items`, at most `concurrency` at once. */
async function eachBounded<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
}

/**
 * Newest day first; within a day in `etls` order, then by machine, so that consecutive jobs read
 * different machines' raw databases (a machine's slots are not all taken by one day's ETLs). The
 * order plans hand to the queue.
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
      etls.indexOf(a.etl) - etls.indexOf(b.etl) ||
      (a.machine < b.machine ? -1 : a.machine > b.machine ? 1 : 0),
  );
}

const noDataNote = 'no raw data on any mapped variable';
const outsideSupportedNote = `no raw data on a supported date (${firstCalendarDate} to ${lastCalendarDate})`;

async function readSpan(
  machine: Machine,
  raw: Kysely<RawDatabase>,
): Promise<{ span: DataSpan | null; catalog: SignalCatalog }> {
  const catalog = await SignalCatalog.load(raw);
  return { span: await dataSpan(raw, resolveRoles(machine, catalog), catalog), catalog };
}
