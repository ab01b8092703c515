import type { Logger, Machine } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { backfill, etlIds, type MachinePlan } from '@mm/etl';
import type { Kysely } from 'kysely';

export interface BackfillDemoResult {
  /** Per machine: the local days run, first to last. */
  machines: Array<{ id: string; days: string[] }>;
  rowsRead: number;
  rowsWritten: number;
  /** `<machine> <etl> <day>: <error>` for each slice that failed (the others still ran). */
  failures: string[];
  ms: number;
}

/**
 * Runs all five ETLs for every local day of each machine's raw data through `@mm/etl`'s
 * `backfill` (the command line's run loop: `runEtls`, one raw snapshot per day), one day at a time
 * (PGlite has one connection), with a report line per day: days done of the total, rows, elapsed.
 *
 * @example
 * const result = await backfillDemo({ aggDb, machines, rawDb: (m) => dbs.rawDb(m), report: console.log });
 * result.failures; // []
 */
export async function backfillDemo(input: {
  aggDb: Kysely<AggDatabase>;
  machines: readonly Machine[];
  rawDb: (machine: Machine) => Kysely<RawDatabase>;
  report: (line: string) => void;
  logger?: Logger;
}): Promise<BackfillDemoResult> {
  const zones = new Map(input.machines.map((m) => [m.id, m.timezone]));
  let plan: MachinePlan[] = [];
  let width = 1;
  const summary = await backfill(
    { machines: input.machines, etls: etlIds, from: null, to: null, concurrency: 1 },
    {
      aggDb: input.aggDb,
      rawDb: input.rawDb,
      ...(input.logger ? { logger: input.logger } : {}),
      progress: {
        planned(machines, totalDays) {
          plan = machines;
          width = String(totalDays).length;
          for (const { machineId, days } of machines) {
            input.report(
              days.length === 0
                ? `  ${machineId}: no raw data`
                : `  ${machineId}: ${days.length} days, ${days[0]} .. ${days.at(-1)} (${zones.get(machineId)})`,
            );
          }
        },
        dayDone(day, progress) {
          let read = 0;
          let written = 0;
          for (const slice of day.slices) {
            if (!slice.ok) continue;
            read += slice.rowsRead;
            written += slice.rowsWritten;
          }
          const failed = day.slices.filter((slice) => !slice.ok).length;
          input.report(
            `  [${String(progress.doneDays).padStart(width)}/${progress.totalDays}] ${day.machineId} ${day.day}  ` +
              `${count(written, 'row')} written from ${count(read, 'raw row')}` +
              `${failed > 0 ? `, ${failed} ETL(s) FAILED` : ''}  ` +
              `(total ${count(progress.rowsWritten, 'row')}, ${seconds(progress.elapsedMs)})`,
          );
        },
      },
    },
  );
  return {
    machines: plan.map((p) => ({ id: p.machineId, days: p.days })),
    rowsRead: summary.rowsRead,
    rowsWritten: summary.rowsWritten,
    failures: summary.failures.map((f) => `${f.machineId} ${f.etl ?? '-'} ${f.day ?? '-'}: ${f.error}`),
    ms: summary.elapsedMs,
  };
}

/** `1 row`, `1,234 rows` */
function count(n: number, noun: string): string {
  return `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
}

/** `1.2 s` */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
