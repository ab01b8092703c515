import { daysBetween } from '@mm/calendar';
import type { Machine } from '@mm/config';
import {
  type CellStatus,
  cellStatusesWorstFirst,
  classifyRun,
  type LedgerRun,
  type StaleRules,
  worstStatus,
} from '@mm/etl';
import { formatAware } from '../time/format.ts';
import { shortError } from './short-error.ts';

/** A row of `etl_runs` as the grid reads it. */
export interface LedgerRow extends LedgerRun {
  machine_id: string;
  etl: string;
  day: string;
  rows_read: number;
  rows_written: number;
  attempts: number;
  error: string | null;
}

/** Per machine, all-time: when its ledger last moved. */
export interface Freshness {
  last_success_at: Date | null;
  last_complete_day: string | null;
  horizon: Date | null;
}

export interface GridCell {
  etl: string;
  status: CellStatus;
  started_at: string | null;
  finished_at: string | null;
  rows: number | null;
  rows_read: number | null;
  attempts: number | null;
  error: string | null;
}

export interface GridMachine {
  machine: string;
  name: string;
  timezone: string;
  freshness: {
    last_success_at: string | null;
    last_success_age_seconds: number | null;
    last_complete_day: string | null;
    horizon: string | null;
  };
  counts: Record<CellStatus, number>;
  days: Array<{ day: string; status: CellStatus; etls: GridCell[] }>;
}

/**
 * The (machine x ETL x day) status grid: every cell of `from`..`to` for each of `etls`, `missing`
 * where the ledger has no row; instants as aware timestamps in the machine's zone.
 *
 * @example
 * buildGrid({ machines, etls: etlIds, from: '2024-03-01', to: '2024-03-07', rows, freshness, now: new Date(), rules });
 */
export function buildGrid(input: {
  machines: readonly Machine[];
  etls: readonly string[];
  from: string;
  to: string;
  rows: readonly LedgerRow[];
  freshness: ReadonlyMap<string, Freshness>;
  now: Date;
  rules: StaleRules;
}): GridMachine[] {
  const days = daysBetween(input.from, input.to);
  const byKey = new Map(input.rows.map((r) => [`${r.machine_id}|${r.etl}|${r.day}`, r]));
  return input.machines.map((machine) => {
    const zone = machine.timezone;
    const counts = Object.fromEntries(cellStatusesWorstFirst.map((s) => [s, 0])) as Record<
      CellStatus,
      number
    >;
    const gridDays = days.map((day) => {
      const etls = input.etls.map((etl): GridCell => {
        const run = byKey.get(`${machine.id}|${etl}|${day}`);
        const status = classifyRun(run, input.now, input.rules);
        counts[status] += 1;
        return {
          etl,
          status,
          started_at: run ? formatAware(run.started_at, zone) : null,
          finished_at: run?.finished_at ? formatAware(run.finished_at, zone) : null,
          rows: run ? run.rows_written : null,
          rows_read: run ? run.rows_read : null,
          attempts: run ? run.attempts : null,
          error: run ? shortError(run.error) : null,
        };
      });
      return { day, status: worstStatus(etls.map((e) => e.status)), etls };
    });
    const fresh = input.freshness.get(machine.id);
    const lastSuccess = fresh?.last_success_at ?? null;
    return {
      machine: machine.id,
      name: machine.name,
      timezone: zone,
      freshness: {
        last_success_at: lastSuccess ? formatAware(lastSuccess, zone) : null,
        last_success_age_seconds: lastSuccess
          ? Math.max(0, Math.round((input.now.getTime() - lastSuccess.getTime()) / 1000))
          : null,
        last_complete_day: fresh?.last_complete_day ?? null,
        horizon: fresh?.horizon ? formatAware(fresh.horizon, zone) : null,
      },
      counts,
      days: gridDays,
    };
  });
}
