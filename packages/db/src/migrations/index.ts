import type { Migration } from 'kysely';
import * as createAggregates from './2026-11-27-create-aggregates.ts';
import * as dataStatusLedger from './2026-11-27-data-status-ledger.ts';
import * as ledgerRawFingerprint from './2026-12-03-ledger-raw-fingerprint.ts';
import * as machineDataSpans from './2026-12-07-machine-data-spans.ts';
import * as planChecks from './2026-12-08-plan-checks.ts';
import * as notifySliceChanges from './2026-12-09-notify-slice-changes.ts';
import * as ledgerRunToken from './2026-12-10-ledger-run-token.ts';

/** Every migration of the aggregation database, by name (sorted by their date prefix). */
export const migrations: Record<string, Migration> = {
  '2026-11-27-create-aggregates': createAggregates,
  '2026-11-27-data-status-ledger': dataStatusLedger,
  '2026-12-03-ledger-raw-fingerprint': ledgerRawFingerprint,
  '2026-12-07-machine-data-spans': machineDataSpans,
  '2026-12-08-plan-checks': planChecks,
  '2026-12-09-notify-slice-changes': notifySliceChanges,
  '2026-12-10-ledger-run-token': ledgerRunToken,
};
