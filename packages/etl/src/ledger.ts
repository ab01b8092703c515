import type { AggDatabase } from '@mm/db';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { RawFingerprint } from './raw-fingerprint.ts';

type Db = Kysely<AggDatabase> | Transaction<AggDatabase>;

export interface SliceKey {
  machineId: string;
  etl: string;
  day: string;
}

/** Marks a slice as running (a crashed process leaves it so, which is how stale runs are found). */
export async function markRunning(db: Db, key: SliceKey): Promise<void> {
  await sql`
    insert into etl_runs (machine_id, etl, day, status, started_at)
    values (${key.machineId}, ${key.etl}, ${key.day}::date, 'running', now())
    on conflict (machine_id, etl, day) do update
      set status = 'running', started_at = now(), finished_at = null, error = null,
          attempts = etl_runs.attempts + 1`.execute(db);
}

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

/** Records a successful run, with what it saw of the raw data (`null`: nothing taken). */
export async function markSucceeded(
  db: Db,
  key: SliceKey,
  outcome: SliceOutcome,
  observed: RawObservation | null,
): Promise<void> {
  const fingerprint = observed?.fingerprint ?? null;
  await sql`
    update etl_runs set
      status = 'succeeded', finished_at = now(), error = null,
      complete = ${outcome.complete},
      horizon = ${outcome.horizon === null ? null : new Date(outcome.horizon).toISOString()}::timestamptz,
      rows_read = ${outcome.rowsRead}, invalid_skipped = ${outcome.invalidSkipped},
      rows_written = ${outcome.rowsWritten}, warnings = ${JSON.stringify(outcome.warnings)}::jsonb,
      raw_rows = ${fingerprint?.rows ?? null}::bigint, raw_latest = ${fingerprint?.latest ?? null}::bigint,
      carry_in = ${observed?.carryIn ?? null}, carry_out = ${observed?.carryOut ?? null},
      raw_changes = ${observed?.changes ?? null}::bigint, checked_at = null
    where machine_id = ${key.machineId} and etl = ${key.etl} and day = ${key.day}::date`.execute(db);
}

export async function markFailed(db: Db, key: SliceKey, error: string): Promise<void> {
  await sql`
    update etl_runs set status = 'failed', finished_at = now(), error = ${error}
    where machine_id = ${key.machineId} and etl = ${key.etl} and day = ${key.day}::date`.execute(db);
}
