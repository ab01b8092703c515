import type { CellStatus, DataSpan, RunCell, RunGridMachine } from '@mm/api-contract';
import { addDays } from './time.ts';

// The pipeline view's grid as data: what each cell and day shows, the counts and the hover text, from
// one machine of `/api/v2/runs`. No DOM here: views/pipeline.ts draws it.

/** The API answers at most this many (machine x ETL x day) cells per request. */
export const maxCells = 2000;
/** The API's longest range. */
export const maxDays = 366;
/** Machines per page, fewer when the range is long (each machine's row is 5 x days cells). */
export const machinesPerPage = 20;
export const defaultDays = 14;

/** A cell as shown: the ledger's status, or `nodata` for a day outside the machine's raw data. */
export type ShownStatus = CellStatus | 'nodata';

/** Each status's letter in a cell, in the legend's order. */
export const statusLetter: Record<ShownStatus, string> = {
  complete: '✓',
  partial: 'P',
  failed: '✗',
  stale: 'S',
  missing: '·',
  running: 'R',
  nodata: '–',
};

export function statusName(status: string): string {
  return status === 'nodata' ? 'no data' : status;
}

/**
 * Machines per page for a range of `days`: at most {@link machinesPerPage}, fewer when their cells
 * would pass the API's {@link maxCells}, at least one.
 *
 * @example
 * pageSizeFor(14); // 20
 * pageSizeFor(366); // 1
 */
export function pageSizeFor(days: number): number {
  return Math.max(1, Math.min(machinesPerPage, Math.floor(maxCells / (5 * days))));
}

/**
 * Whether the machine has raw data on `day`: days outside its recorded span have nothing to run on,
 * so a never-run slice there is not "missing". A span not read yet is taken as covering every day
 * (the ledger is shown as it is).
 */
export function hasData(span: DataSpan, day: string): boolean {
  return (
    span.state === 'unknown' ||
    (span.state === 'recorded' && day >= (span.first_day ?? day) && day <= (span.last_day ?? day))
  );
}

/** A cell's status as shown: `missing` outside the data span is `nodata`. */
export function shownStatus(span: DataSpan, day: string, status: CellStatus): ShownStatus {
  return status === 'missing' && !hasData(span, day) ? 'nodata' : status;
}

/** One machine's row of the grid as shown. */
export interface MachineGridRow {
  /** Cells per shown status, in the order they first appear (days, then ETLs). */
  counts: Map<ShownStatus, number>;
  /** Each day's status: `nodata` when every cell of it is, else the ledger's worst status. */
  dayStatus: Map<string, ShownStatus>;
}

/**
 * What one machine's row shows: its cells counted by shown status and each day's status.
 *
 * @example
 * const { counts, dayStatus } = machineGridRow(grid.machines[0]);
 */
export function machineGridRow(m: RunGridMachine): MachineGridRow {
  const counts = new Map<ShownStatus, number>();
  const dayStatus = new Map<string, ShownStatus>();
  for (const d of m.days) {
    const statuses = d.etls.map((c) => shownStatus(m.data_span, d.day, c.status));
    for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
    dayStatus.set(d.day, statuses.every((s) => s === 'nodata') ? 'nodata' : d.status);
  }
  return { counts, dayStatus };
}

/** The counts as the row heading says them: ` · 20 no data, 45 complete` (none when all are 0). */
export function countsText(counts: ReadonlyMap<ShownStatus, number>): string {
  return ` · ${[...counts]
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${statusName(s)}`)
    .join(', ')}`;
}

/** The data span as the row heading says it. */
export function spanText(span: DataSpan): string {
  if (span.state === 'recorded') return ` · data ${span.first_day} to ${span.last_day}`;
  return span.state === 'no_readings' ? ' · no raw data' : ' · data span not read yet';
}

/**
 * The last {@link defaultDays} days of the machine's data when they lie wholly outside `from`..`to`
 * (a machine whose data ended earlier), else null.
 *
 * @example
 * lastDataDays(span, '2024-11-01', '2024-11-14'); // { from: '2024-10-15', to: '2024-10-28' }
 */
export function lastDataDays(span: DataSpan, from: string, to: string): { from: string; to: string } | null {
  if (span.state !== 'recorded' || !span.last_day) return null;
  if (!(span.last_day < from || (span.first_day ?? '') > to)) return null;
  return { from: addDays(span.last_day, -(defaultDays - 1)), to: span.last_day };
}

/**
 * A cell's hover text (its accessible name with the line breaks as commas): status, reason, when it
 * ran, attempts and rows.
 */
export function cellTip(
  at: { machine: string; etl: string; day: string },
  status: ShownStatus,
  cell: RunCell | undefined,
): string {
  return [
    `${at.machine} · ${at.etl} · ${at.day}: ${statusName(status)}`,
    cell?.error ? `reason: ${cell.error}` : null,
    cell?.finished_at
      ? `finished ${cell.finished_at}`
      : cell?.started_at
        ? `started ${cell.started_at}`
        : null,
    cell?.attempts ? `attempts ${cell.attempts}` : null,
    cell?.rows != null ? `rows ${cell.rows}` : null,
  ]
    .filter(Boolean)
    .join('\n');
}
