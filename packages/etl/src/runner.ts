import type { Logger, Machine } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import { pino } from 'pino';
import { dayWindow, InvalidDayError } from './day-window.ts';
import { describeError, EtlRunError, PermanentEtlError } from './errors.ts';
import type { EtlId } from './etl.ts';
import { computeHorizon } from './horizon.ts';
import { markFailed, markRunning, markSucceeded, type SliceKey } from './ledger.ts';
import { getEtl } from './registry.ts';
import { resolveRoles } from './roles.ts';
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
}

export interface RunEtlResult {
  machineId: string;
  etl: EtlId;
  day: string;
  /** The horizon reached the end of the day: the slice is final until raw data changes. */
  complete: boolean;
  horizon: number | null;
  rowsRead: number;
  invalidSkipped: number;
  rowsWritten: number;
  warnings: string[];
  durationMs: number;
}

const silent = pino({ level: 'silent' });

/**
 * Runs one ETL for one (machine, day) and atomically replaces that slice of the aggregation
 * database. Whoever calls it (CLI, test, queue worker) gets the same behaviour: runs of the same
 * slice are serialised by a transaction-scoped advisory lock, the raw side is read in one
 * read-only snapshot, and the run ledger (DOMAIN §6) records the outcome.
 *
 * Throws {@link PermanentEtlError} for requests that can never succeed and {@link EtlRunError}
 * (with `cause`) for failures worth retrying.
 *
 * @example
 * const result = await runEtl({ aggDb, rawDb, machine, etl: 'sensor-stats', day: '2024-03-31' });
 */
export async function runEtl(input: RunEtlInput): Promise<RunEtlResult> {
  const started = performance.now();
  const { aggDb, rawDb, machine, day } = input;
  const etl = getEtl(input.etl);
  let window: ReturnType<typeof dayWindow>;
  try {
    window = dayWindow(day, machine.timezone);
  } catch (error) {
    if (error instanceof InvalidDayError) throw new PermanentEtlError(error.message);
    throw error;
  }
  const key: SliceKey = { machineId: machine.id, etl: etl.id, day: window.day };
  const logger = (input.logger ?? silent).child({ machine: machine.id, etl: etl.id, day: window.day });

  await markRunning(aggDb, key);
  try {
    const outcome = await aggDb.transaction().execute(async (trx) => {
      // Same slice, same lock: concurrent runs queue here instead of interleaving their writes.
      await sql`select pg_advisory_xact_lock(hashtextextended(${`etl:${key.machineId}:${key.etl}:${key.day}`}, 0))`.execute(
        trx,
      );
      const extracted = await rawDb
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute(async (raw) => {
          const catalog = await SignalCatalog.load(raw);
          const roles = resolveRoles(machine, catalog);
          const horizon = await computeHorizon(raw, roles, catalog);
          const until = horizon === null ? window.start : Math.min(window.end, horizon);
          const result = await etl.extract({ raw, machine, window, horizon, until, roles, catalog, logger });
          return { ...result, horizon, warnings: [...roles.warnings, ...(result.warnings ?? [])] };
        });
      let rowsWritten = 0;
      for (const table of etl.tables) {
        rowsWritten += await replaceSlice(trx, table, machine.id, window.day, extracted.rows[table] ?? []);
      }
      const result = {
        complete: extracted.horizon !== null && extracted.horizon >= window.end,
        horizon: extracted.horizon,
        rowsRead: extracted.rowsRead,
        invalidSkipped: extracted.invalidSkipped,
        rowsWritten,
        warnings: extracted.warnings,
      };
      await markSucceeded(trx, key, result);
      return result;
    });
    const durationMs = Math.round(performance.now() - started);
    for (const warning of outcome.warnings) logger.warn(warning);
    logger.debug({ ...outcome, durationMs }, 'slice replaced');
    return { machineId: machine.id, etl: etl.id, day: window.day, ...outcome, durationMs };
  } catch (error) {
    const message = describeError(error);
    await markFailed(aggDb, key, message).catch((ledgerError) =>
      logger.error({ err: ledgerError }, 'could not record the failure in the run ledger'),
    );
    throw new EtlRunError(
      `${etl.id} ${machine.id} ${window.day} failed: ${message}`,
      machine.id,
      etl.id,
      window.day,
      {
        cause: error,
      },
    );
  }
}
