import { type DayWindow, dayWindow, InvalidDateError } from '@mm/calendar';
import type { Logger, Machine } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { type ControlledTransaction, type Kysely, sql } from 'kysely';
import { pino } from 'pino';
import { carryStates } from './carry-state.ts';
import {
  describeError,
  EtlRunError,
  PermanentEtlError,
  SliceBusyError,
  SupersededRunError,
} from './errors.ts';
import type { EtlDefinition, EtlId, ExtractContext, ExtractResult } from './etl.ts';
import { computeHorizon } from './horizon.ts';
import {
  markFailed,
  markRunningAll,
  markSucceeded,
  type RawObservation,
  type RunToken,
  type SliceKey,
  type SliceOutcome,
} from './ledger.ts';
import { rawChangeCounter } from './raw-changes.ts';
import { rawFingerprints } from './raw-fingerprint.ts';
import {
  loadObservation,
  observationBasis,
  type StoredObservation,
  saveObservation,
} from './raw-observations.ts';
import { getEtl } from './registry.ts';
import { type ResolvedRoles, resolveRoles } from './roles.ts';
import { SignalCatalog } from './signal-catalog.ts';
import { replaceSlice } from './slice-tables.ts';

export interface RunEtlInput {
  aggDb: Kysely<AggDatabase>;
  /** The machine's raw database (opened read-only in production). */
  rawDb: Kysely<RawDatabase>;
  machine: Machine;
  etl: EtlId | string;
  /** Machine-local date `YYYY-MM-DD`. */
  day: string;
  logger?: Logger;
  /**
   * Record in the ledger what the run saw of the raw data (the day's row count and newest row, the
   * state carried in and out across its midnights), so a planner can tell when the day's raw data
   * changed. On by default; the scheduler turns it off for days it never checks again (far behind the
   * horizon), where it would only cost an index scan of the day.
   */
  fingerprint?: boolean;
  /** Aborting stops between slices: slices not yet started fail as interrupted (and are retried). */
  signal?: AbortSignal;
  /**
   * How long a slice waits for its lock while another run of the same slice holds it (default
   * {@link defaultSliceLockWaitMs}); then it fails with a {@link SliceBusyError} cause, nothing
   * recorded in the ledger, to be run again later.
   */
  lockWaitMs?: number;
}

/**
 * How long a slice waits for its lock by default: a live run of the same slice takes seconds; a lock
 * still held after this is more likely a vanished host's, which the server drops within about half
 * a minute (docs/operations.md), and the queue tries the job again meanwhile.
 */
export const defaultSliceLockWaitMs = 5_000;

/** What the ledger recorded for the slice (`complete`: the horizon reached the day's end, so the slice is final until raw data changes), with the slice's identity and duration. */
export interface RunEtlResult extends SliceOutcome {
  machineId: string;
  etl: EtlId;
  day: string;
  durationMs: number;
}

const silent = pino({ level: 'silent' });

export interface RunEtlsInput extends Omit<RunEtlInput, 'etl'> {
  /** ETL ids, run in this order. */
  etls: ReadonlyArray<EtlId | string>;
}

/**
 * One slice of {@link runEtls}: its result, or the error it failed with (others still ran). The
 * error's `cause` is a {@link SliceBusyError} when another run held the slice's lock (nothing
 * recorded: run it again later) and a {@link SupersededRunError} when a newer run of the slice started
 * meanwhile (nothing written or recorded: the newer run owns the slice; do not retry).
 */
export type SliceRun =
  | { etl: EtlId; ok: true; result: RunEtlResult }
  | { etl: EtlId; ok: false; error: EtlRunError };

/**
 * Runs one ETL for one (machine, day) and atomically replaces that slice of the aggregation
 * database. Whoever calls it (CLI, test, queue worker) gets the same behaviour: runs of the same
 * slice are serialised by a transaction-scoped advisory lock, the raw side is read in one
 * read-only snapshot, and the run ledger (DOMAIN §6) records the outcome. A run writes only while it
 * is the slice's newest (its ledger run token is current): an older run still in flight when a newer
 * one starts is superseded and writes nothing.
 *
 * Throws {@link PermanentEtlError} for requests that can never succeed and {@link EtlRunError}
 * (with `cause`) for failures worth retrying.
 *
 * @example
 * const result = await runEtl({ aggDb, rawDb, machine, etl: 'sensor-stats', day: '2024-03-31' });
 */
export async function runEtl(input: RunEtlInput): Promise<RunEtlResult> {
  const [run] = await runEtls({ ...input, etls: [input.etl] });
  if (!run) throw new Error('runEtls returned no slice');
  if (!run.ok) throw run.error;
  return run.result;
}

/**
 * Runs several ETLs for one (machine, day) over ONE raw snapshot: the variable catalogue, the
 * roles and the horizon are read once, so every slice of the day agrees on them and the per-slice
 * overhead is paid once. Each slice still has its own aggregation transaction, lock and ledger
 * row, and a failing slice does not stop the others (the raw side rolls back to a savepoint).
 *
 * @example
 * const runs = await runEtls({ aggDb, rawDb, machine, etls: etlIds, day: '2024-03-31' });
 * runs.filter((r) => !r.ok); // the failed slices, each with its EtlRunError
 */
export async function runEtls(input: RunEtlsInput): Promise<SliceRun[]> {
  const { aggDb, rawDb, machine, day } = input;
  const etls = input.etls.map((id) => getEtl(id));
  let window: DayWindow;
  try {
    window = sharedDayWindow(day, machine.timezone);
  } catch (error) {
    if (error instanceof InvalidDateError) throw new PermanentEtlError(error.message);
    throw error;
  }
  const baseLogger = (input.logger ?? silent).child({ machine: machine.id, day: window.day });
  const keyOf = (etl: EtlDefinition): SliceKey => ({ machineId: machine.id, etl: etl.id, day: window.day });
  const runs: SliceRun[] = [];
  const tokens = new Map<EtlId, RunToken>();
  const fail = async (etl: EtlDefinition, error: unknown, started: number) => {
    const message = describeError(error);
    const durationMs = Math.round(performance.now() - started);
    const failure = (cause: unknown) =>
      new EtlRunError(
        `${etl.id} ${machine.id} ${window.day} failed: ${describeError(cause)}`,
        machine.id,
        etl.id,
        window.day,
        {
          cause,
        },
      );
    if (error instanceof SupersededRunError) {
      baseLogger.warn({ etl: etl.id, durationMs }, 'superseded: a newer run of this slice started elsewhere');
      runs.push({ etl: etl.id, ok: false, error: failure(error) });
      return;
    }
    if (error instanceof SliceBusyError) {
      // Whoever holds the lock runs the slice (or its session is about to be dropped): not a failure
      // of the slice, so the ledger keeps saying running.
      baseLogger.info({ etl: etl.id, durationMs, cause: message }, 'slice busy');
      runs.push({ etl: etl.id, ok: false, error: failure(error) });
      return;
    }
    const token = tokens.get(etl.id);
    const recorded =
      token === undefined
        ? false
        : await markFailed(aggDb, keyOf(etl), token, message).catch((ledgerError) => {
            baseLogger.error(
              { err: ledgerError, etl: etl.id },
              'could not record the failure in the run ledger',
            );
            return true;
          });
    if (!recorded) {
      // A newer run started while this one failed: its status is not ours to overwrite.
      baseLogger.warn(
        { etl: etl.id, durationMs, cause: message },
        'superseded: a newer run of this slice started elsewhere',
      );
      runs.push({
        etl: etl.id,
        ok: false,
        error: failure(new SupersededRunError(`superseded while failing: ${message}`, { cause: error })),
      });
      return;
    }
    // Once, at error, with the cause as one line: the failure wraps the cause, so logging it as `err`
    // printed the message twice (and a stack trace).
    baseLogger.error({ etl: etl.id, durationMs, cause: message }, 'slice failed');
    runs.push({ etl: etl.id, ok: false, error: failure(error) });
  };

  const started = performance.now();
  for (const [etl, token] of await markRunningAll(
    aggDb,
    machine.id,
    window.day,
    etls.map((e) => e.id),
  ))
    tokens.set(etl as EtlId, token);
  const lockWaitMs = input.lockWaitMs ?? defaultSliceLockWaitMs;
  let observationLock: ControlledTransaction<AggDatabase> | null = null;
  try {
    const fingerprinting = input.fingerprint ?? true;
    // Before the snapshot: the snapshot then holds every row the counter counts (rawChangeCounter),
    // and an observation stored by a sibling run was taken in an older snapshot than this one.
    const [changes, loaded] = fingerprinting
      ? await Promise.all([
          rawChangeCounter(rawDb),
          loadObservation(aggDb, machine.id, window.day).catch(() => null),
        ])
      : [null, null];
    // None stored at this counter: whoever takes it holds the (machine, day)'s lock until it is
    // stored, so the day's first two jobs, starting together on two workers, take it once.
    observationLock =
      changes !== null && loaded?.changes !== changes
        ? await lockObservation(aggDb, machine.id, window.day, baseLogger)
        : null;
    // Read again under the lock, before the snapshot: one stored meanwhile was taken in an older
    // snapshot than this run's.
    const stored = observationLock
      ? await loadObservation(observationLock, machine.id, window.day).catch(() => loaded)
      : loaded;
    await rawDb
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (raw) => {
        const catalog = await SignalCatalog.load(raw);
        const roles = resolveRoles(machine, catalog);
        const horizon = await computeHorizon(raw, roles, catalog);
        const until = horizon === null ? window.start : Math.min(window.end, horizon);
        const observed = fingerprinting
          ? await observeDay({
              aggDb: observationLock ?? aggDb,
              raw,
              machine,
              window,
              roles,
              catalog,
              changes,
              stored,
              logger: baseLogger,
            })
          : null;
        if (observationLock) {
          const lock = observationLock;
          observationLock = null;
          // Not the slices' concern: the observation they record is taken either way.
          await lock
            .commit()
            .execute()
            .catch((error) =>
              baseLogger.warn({ error: describeError(error) }, 'could not store the raw observation'),
            );
        }
        for (const [index, etl] of etls.entries()) {
          const sliceStarted = performance.now();
          if (input.signal?.aborted) {
            await fail(etl, new Error('interrupted before it started (shutting down)'), sliceStarted);
            continue;
          }
          const logger = baseLogger.child({ etl: etl.id });
          const context: ExtractContext = { raw, machine, window, horizon, until, roles, catalog, logger };
          try {
            const run = {
              key: keyOf(etl),
              token: tokens.get(etl.id) as RunToken,
              lockWaitMs,
              snapshotNeededAfter: index < etls.length - 1,
            };
            const outcome = await extractAndReplace(aggDb, etl, run, context, observed);
            const durationMs = Math.round(performance.now() - sliceStarted);
            for (const warning of outcome.warnings) logger.warn(warning);
            logger.debug({ ...outcome, durationMs }, 'slice replaced');
            runs.push({
              etl: etl.id,
              ok: true,
              result: { machineId: machine.id, etl: etl.id, day: window.day, ...outcome, durationMs },
            });
          } catch (error) {
            await fail(etl, error, sliceStarted);
          }
        }
      });
  } catch (error) {
    // The raw snapshot itself failed (unreachable database, broken schema): every slice not yet
    // run failed with it. The lock's connection first: recording the failures needs one.
    await observationLock
      ?.rollback()
      .execute()
      .catch(() => {});
    observationLock = null;
    for (const etl of etls) if (!runs.some((r) => r.etl === etl.id)) await fail(etl, error, started);
  }
  return runs;
}

/** Day windows already computed, by time zone and day (oldest first, at most {@link windowsKept}). */
const windows = new Map<string, DayWindow>();
const windowsKept = 1_024;

/**
 * {@link dayWindow}, computed once per process for a (time zone, day): about fifty time zone
 * conversions, which each of a day's five queue jobs would otherwise repeat. Frozen, since runs
 * share it.
 */
function sharedDayWindow(day: string, timezone: string): DayWindow {
  const key = `${timezone} ${day}`;
  let window = windows.get(key);
  if (window === undefined) {
    window = dayWindow(day, timezone);
    Object.freeze(window.bounds);
    Object.freeze(window);
    if (windows.size >= windowsKept) windows.delete(windows.keys().next().value as string);
    windows.set(key, window);
  }
  return window;
}

/**
 * What the run records of the day's raw data (DOMAIN §6's fingerprint and carried state), once per
 * (machine, day): a stored observation taken at the same modification counter, over the same
 * variables, is reused (the day's other ETLs ran as separate jobs); otherwise it is taken in this
 * snapshot and stored for them. A reused one is never newer than this snapshot (it was read before
 * the snapshot began), so at worst it makes the planner look again, never miss a late row.
 */
async function observeDay(input: {
  aggDb: Kysely<AggDatabase>;
  raw: Kysely<RawDatabase>;
  machine: Machine;
  window: DayWindow;
  roles: ResolvedRoles;
  catalog: SignalCatalog;
  changes: number | null;
  stored: StoredObservation | null;
  logger: Logger;
}): Promise<RawObservation> {
  const { aggDb, raw, machine, window, roles, catalog, changes, stored } = input;
  const basis = observationBasis(machine, catalog);
  if (changes !== null && stored?.changes === changes && stored.basis === basis) return stored.observed;
  const fingerprint = (await rawFingerprints(raw, catalog, [window])).get(window.day) ?? null;
  const [carryIn, carryOut] = await carryStates(raw, roles, catalog, [window.start, window.end]);
  const observed = { fingerprint, carryIn: carryIn ?? null, carryOut: carryOut ?? null, changes };
  // Without a counter (PGlite, a standby) nothing tells when it goes stale: not kept.
  if (changes !== null) {
    await saveObservation(aggDb, machine.id, window.day, basis, { ...observed, changes }).catch((error) =>
      input.logger.warn({ error: describeError(error) }, 'could not store the raw observation'),
    );
  }
  return observed;
}

/**
 * One slice: under the slice's advisory lock, in one aggregation transaction, extract from the
 * shared raw snapshot, replace the slice's rows in every table the ETL owns, and mark the ledger row
 * succeeded if the run is still the slice's newest. Throws (and leaves the old slice) on
 * any failure: {@link SliceBusyError} when the lock stays taken, {@link SupersededRunError} when a
 * newer run started.
 */
async function extractAndReplace(
  aggDb: Kysely<AggDatabase>,
  etl: EtlDefinition,
  run: { key: SliceKey; token: RunToken; lockWaitMs: number; snapshotNeededAfter: boolean },
  context: ExtractContext,
  observed: RawObservation | null,
): Promise<SliceOutcome> {
  const { horizon, window, roles, machine } = context;
  const { key, token } = run;
  return aggDb.transaction().execute(async (trx) => {
    // Same slice, same lock: concurrent runs queue here instead of interleaving their writes.
    await lockSlice(trx, key, run.lockWaitMs);
    // A failed statement aborts the raw transaction; the savepoint keeps the snapshot usable for
    // the ETLs after this one. The last one (a queue job's only one) needs none.
    const extracted = run.snapshotNeededAfter
      ? await extractInSavepoint(etl, context)
      : await etl.extract(context);
    let rowsWritten = 0;
    for (const table of etl.tables) {
      rowsWritten += await replaceSlice(trx, table, machine.id, window.day, extracted.rows[table] ?? []);
    }
    const outcome: SliceOutcome = {
      complete: horizon !== null && horizon >= window.end,
      horizon,
      rowsRead: extracted.rowsRead,
      invalidSkipped: extracted.invalidSkipped,
      rowsWritten,
      warnings: [...roles.warnings, ...(extracted.warnings ?? [])],
    };
    // The fence: a run started since this one's markRunning supersedes it (the update matches no row
    // and throws, rolling the replaced rows back); from here to commit the row is locked, so one
    // starting now waits for this transaction to end.
    await markSucceeded(trx, key, token, outcome, observed);
    return outcome;
  });
}

/**
 * A transaction on the aggregation database holding the (machine, day)'s observation lock, or null
 * when it could not be taken (the run then takes the observation without it: at worst twice).
 */
async function lockObservation(
  aggDb: Kysely<AggDatabase>,
  machineId: string,
  day: string,
  logger: Logger,
): Promise<ControlledTransaction<AggDatabase> | null> {
  let trx: ControlledTransaction<AggDatabase> | null = null;
  try {
    trx = await aggDb.startTransaction().execute();
    await sql`select pg_advisory_xact_lock(hashtextextended(${`raw-observation:${machineId}:${day}`}, 0))`.execute(
      trx,
    );
    return trx;
  } catch (error) {
    logger.warn({ error: describeError(error) }, "could not take the day's raw observation lock");
    await trx
      ?.rollback()
      .execute()
      .catch(() => {});
    return null;
  }
}

async function extractInSavepoint(etl: EtlDefinition, context: ExtractContext): Promise<ExtractResult> {
  await sql`savepoint slice`.execute(context.raw);
  let extracted: ExtractResult;
  try {
    extracted = await etl.extract(context);
  } catch (error) {
    await sql`rollback to savepoint slice`.execute(context.raw);
    throw error;
  }
  await sql`release savepoint slice`.execute(context.raw);
  return extracted;
}

/**
 * Takes the slice's transaction-scoped advisory lock, trying again with a growing pause until
 * `waitMs` has passed; then throws {@link SliceBusyError}. Never an unbounded wait: the holder may be
 * a host that vanished, whose session the server keeps until it notices the dead peer. The key is
 * the one the planner looks for in `pg_locks` to tell a live `running` row from an abandoned one.
 */
async function lockSlice(trx: Kysely<AggDatabase>, key: SliceKey, waitMs: number): Promise<void> {
  const name = `etl:${key.machineId}:${key.etl}:${key.day}`;
  const deadline = performance.now() + waitMs;
  for (let pause = 20; ; pause = Math.min(pause * 2, 500)) {
    const { rows } = await sql<{ locked: boolean }>`
      select pg_try_advisory_xact_lock(hashtextextended(${name}, 0)) as locked`.execute(trx);
    if (rows[0]?.locked) return;
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new SliceBusyError(`another run held the slice's lock for more than ${waitMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
  }
}
