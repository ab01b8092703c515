import type { Logger, Machine } from '@mm/config';
import type { AggDatabase, RawDatabase } from '@mm/db';
import { dataSpan, daysBetween, etlIds, localDay, resolveRoles, runEtls, SignalCatalog } from '@mm/etl';
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
 * Runs all five ETLs (`runEtls`, one raw snapshot per day) for every local day of each machine's
 * raw data, one day at a time (PGlite has one connection), with a report line per day: days done
 * of the total, rows, elapsed.
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
  const started = performance.now();
  const plan: Array<{ machine: Machine; days: string[] }> = [];
  for (const machine of input.machines) {
    const raw = input.rawDb(machine);
    const catalog = await SignalCatalog.load(raw);
    const span = await dataSpan(raw, resolveRoles(machine, catalog), catalog);
    const days =
      span === null
        ? []
        : daysBetween(localDay(span.first, machine.timezone), localDay(span.last, machine.timezone));
    plan.push({ machine, days });
    input.report(
      days.length === 0
        ? `  ${machine.id}: no raw data`
        : `  ${machine.id}: ${days.length} days, ${days[0]} .. ${days.at(-1)} (${machine.timezone})`,
    );
  }

  const total = plan.reduce((n, p) => n + p.days.length, 0);
  const width = String(total).length;
  let done = 0;
  let rowsRead = 0;
  let rowsWritten = 0;
  const failures: string[] = [];
  for (const { machine, days } of plan) {
    for (const day of days) {
      const runs = await runEtls({
        aggDb: input.aggDb,
        rawDb: input.rawDb(machine),
        machine,
        etls: etlIds,
        day,
        ...(input.logger ? { logger: input.logger } : {}),
      });
      let written = 0;
      let read = 0;
      for (const run of runs) {
        if (run.ok) {
          written += run.result.rowsWritten;
          read += run.result.rowsRead;
        } else {
          failures.push(`${machine.id} ${run.etl} ${day}: ${run.error.message}`);
        }
      }
      done++;
      rowsRead += read;
      rowsWritten += written;
      const failed = runs.filter((r) => !r.ok).length;
      input.report(
        `  [${String(done).padStart(width)}/${total}] ${machine.id} ${day}  ` +
          `${count(written, 'row')} written from ${count(read, 'raw row')}` +
          `${failed > 0 ? `, ${failed} ETL(s) FAILED` : ''}  ` +
          `(total ${count(rowsWritten, 'row')}, ${seconds(performance.now() - started)})`,
      );
    }
  }
  return {
    machines: plan.map((p) => ({ id: p.machine.id, days: p.days })),
    rowsRead,
    rowsWritten,
    failures,
    ms: performance.now() - started,
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
