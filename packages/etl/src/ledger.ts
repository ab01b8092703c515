import type { AggDatabase } from '@mm/db';
import { type Kysely, sql, type Transaction } from 'kysely';
import { SupersededRunError } from './errors.ts';
import type { RawFingerprint } from './raw-fingerprint.ts';

type Db = Kysely<AggDatabase> | Transaction<AggDatabase>;

export interface SliceKey {
  machineId: string;
  etl: string;
  day: string;
}

/**
 * Marks a slice as running (a crashed process leaves it so, which is how stale runs are found) and
 * hands out the run's token: the row's new generation. Only the run holding the current token may
 * replace the slice or record an outcome ({@link markSucceeded}, {@link markFailed}), so starting a run supersedes every older run of the slice still in flight.
 *
 * @example
 * const token = await markRunning(aggDb, { machineId: 'press-07', etl: 'energy', day: '2024-03-31' });
 */
export async function markRunning(db: Db, key: SliceKey): Promise<RunToken> {
  const { rows } = await sql<{ run_token: number }>`
    insert into etl_runs (machine_id, etl, day, status, started_at, run_token)
    values (${key.machineId}, ${key.etl}, ${key.day}::date, 'running', now(), 1)
    on conflict (machine_id, etl, day) do update
      set status = 'running', started_at = now(), finished_at = null, error = null,
          attempts = etl_runs.attempts + 1, run_token = coalesce(etl_runs.run_token, 0) + 1
    returning run_token`.execute(db);
  const token = rows[0]?.run_token;
  if (token === undefined) throw new Error('the ledger returned no run token');
  return token;
}

/**
 * {@link markRunning} for several ETLs of one (machine, day) in one statement (the runner starts a
 * day's slices together): each row as markRunning leaves it, each run its own token. The rows are
 * taken in ETL order, so two such calls over the same day never wait on each other crosswise.
 *
 * @example
 * const tokens = await markRunningAll(aggDb, 'press-07', '2024-03-31', ['sensor-stats', 'energy']);
 * tokens.get('energy'); // that run's token
 */
export async function markRunningAll(
  db: Db,
  machineId: string,
  day: string,
  etls: readonly string[],
): Promise<Map<string, RunToken>> {
  const tokens = new Map<string, RunToken>();
  if (etls.length === 0) return tokens;
  const { rows } = await sql<{ etl: string; run_token: number }>`
    insert into etl_runs (machine_id, etl, day, status, started_at, run_token)
    select ${machineId}, etl, ${day}::date, 'running', now(), 1
    from (select distinct unnest(${[...etls]}::text[]) as etl) as started
    order by etl
    on conflict (machine_id, etl, day) do update
      set status = 'running', started_at = now(), finished_at = null, error = null,
          attempts = etl_runs.attempts + 1, run_token = coalesce(etl_runs.run_token, 0) + 1
    returning etl, run_token`.execute(db);
  for (const row of rows) tokens.set(row.etl, row.run_token);
  for (const etl of etls)
    if (!tokens.has(etl)) throw new Error(`the ledger returned no run token for ${etl}`);
  return tokens;
}

/** A run's generation of its slice, from {@link markRunning}. */
export type RunToken = number;

export interface SliceOutcome {
  /** The horizon reached the end of the day: the slice is final until raw data changes. */
  complete: boolean;
  horizon: number | null;
  rowsRead: number;
  invalidSkipped: number;
  rowsWritten: number;
  warnings: string[];
}

/** What a run saw of the raw data, for the planner to tell later whether it changed. */
export interface RawObservation {
  /** The day's raw rows (count, newest instant). */
  fingerprint: RawFingerprint | null;
  /** Hash of the raw state carried into the day at its start, and out of it at its end. */
  carryIn: string | null;
  carryOut: string | null;
  /** The raw database's modification counter as of the snapshot (`null`: unknown). */
  changes: number | null;
}

/**
 * In the slice's transaction, after its rows are replaced: records the run as succeeded, with what it
 * saw of the raw data (`null`: nothing taken), only while the ledger row still carries `token`; else
 * throws {@link SupersededRunError} so the caller rolls the transaction back (a newer run started
 * since). The fence and the record are one statement: the update's row lock holds until commit, so a
 * run starting meanwhile (which increments the token) waits for this transaction to end, and one that
 * started before it leaves a token that no longer matches.
 *
 * @example
 * await aggDb.transaction().execute(async (trx) => { ...; await markSucceeded(trx, key, token, outcome, null); });
 */
export async function markSucceeded(
  trx: Transaction<AggDatabase>,
  key: SliceKey,
  token: RunToken,
  outcome: SliceOutcome,
  observed: RawObservation | null,
): Promise<void> {
  const fingerprint = observed?.fingerprint ?? null;
  const result = await sql`
    update etl_runs set
      status = 'succeeded', finished_at = now(), error = null,
      complete = ${outcome.complete},
      horizon = ${outcome.horizon === null ? null : new Date(outcome.horizon).toISOString()}::timestamptz,
      rows_read = ${outcome.rowsRead}, invalid_skipped = ${outcome.invalidSkipped},
      rows_written = ${outcome.rowsWritten}, warnings = ${JSON.stringify(outcome.warnings)}::jsonb,
      raw_rows = ${fingerprint?.rows ?? null}::bigint, raw_latest = ${fingerprint?.latest ?? null}::bigint,
      carry_in = ${observed?.carryIn ?? null}, carry_out = ${observed?.carryOut ?? null},
      raw_changes = ${observed?.changes ?? null}::bigint, checked_at = null
    where machine_id = ${key.machineId} and etl = ${key.etl} and day = ${key.day}::date
      and run_token = ${token}`.execute(trx);
  if ((result.numAffectedRows ?? 0n) === 0n) {
    throw new SupersededRunError(
      `superseded: a newer run of this slice started elsewhere (run token ${token} is no longer current)`,
    );
  }
}

/**
 * Records a failed run, unless a newer run of the slice has started since (its status is not this
 * run's to overwrite). Resolves whether the row was this run's.
 */
export async function markFailed(db: Db, key: SliceKey, token: RunToken, error: string): Promise<boolean> {
  const result = await sql`
    update etl_runs set status = 'failed', finished_at = now(), error = ${error}
    where machine_id = ${key.machineId} and etl = ${key.etl} and day = ${key.day}::date
      and run_token = ${token}`.execute(db);
  return (result.numAffectedRows ?? 0n) > 0n;
}
