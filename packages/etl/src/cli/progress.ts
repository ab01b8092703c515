import type { BackfillSummary, DayOutcome, MachinePlan, Progress, ProgressSink } from './backfill.ts';

/** Where the CLI writes: a stream with `write`, and whether it is a terminal. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** `8012345` → `8,012,345`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `1834000` → `1.83 M`, `45210` → `45.2 k`. */
export function formatRate(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return `${Math.round(n)}`;
}

/** `840` → `840 ms`, `4410` → `4.41 s`, `125000` → `2 min 05 s`, `3725000` → `1 h 02 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * The line printed when a (machine, day) is done: rows written and time per ETL (or FAILED), raw rows
 * read, the day's time.
 *
 * @example
 * formatDayLine(outcome, progress);
 * // '[ 3/30] press-07 2024-01-03  rows written: sensor-stats 24 (41 ms), energy 24 (230 ms); 341,234 read; 271 ms'
 */
export function formatDayLine(day: DayOutcome, progress: Pick<Progress, 'doneDays' | 'totalDays'>): string {
  const width = String(progress.totalDays).length;
  const counter = `[${String(progress.doneDays).padStart(width)}/${progress.totalDays}]`;
  const parts = day.slices.map(
    (s) => `${s.etl} ${s.ok ? formatCount(s.rowsWritten) : 'FAILED'} (${formatDuration(s.durationMs)})`,
  );
  const read = day.slices.reduce((sum, s) => sum + (s.ok ? s.rowsRead : 0), 0);
  const partial = day.slices.some((s) => s.ok && !s.complete) ? ' (partial day)' : '';
  return `${counter} ${day.machineId} ${day.day}  rows written: ${parts.join(', ')}; ${formatCount(read)} read; ${formatDuration(day.durationMs)}${partial}`;
}

/**
 * The one-line progress bar of a terminal.
 *
 * @example
 * formatBar({ doneDays: 12, totalDays: 30, rowsRead: 3.2e6, rowsWritten: 900, elapsedMs: 1800 }, 'press-07 2024-01-12');
 * // '[#########-------------] 12/30 days  press-07 2024-01-12  1.78 M raw rows/s  ETA 2.70 s'
 */
export function formatBar(progress: Progress, current: string, width = 24): string {
  const { doneDays, totalDays, rowsRead, elapsedMs } = progress;
  const filled = totalDays === 0 ? width : Math.round((doneDays / totalDays) * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const rate = elapsedMs > 0 ? (rowsRead / elapsedMs) * 1000 : 0;
  const eta = doneDays > 0 ? formatDuration((elapsedMs / doneDays) * (totalDays - doneDays)) : '?';
  return `${bar} ${doneDays}/${totalDays} days  ${current}  ${formatRate(rate)} raw rows/s  ETA ${eta}`;
}

/** The plan, before any day runs: one line per machine. */
export function formatPlan(plan: MachinePlan[]): string[] {
  return plan.map((p) => {
    if (p.days.length === 0) return `${p.machineId}: nothing to run (${p.note ?? 'no days'})`;
    const range = p.days.length === 1 ? p.days[0] : `${p.days[0]} .. ${p.days.at(-1)}`;
    return `${p.machineId}: ${p.days.length} day${p.days.length === 1 ? '' : 's'} (${range})`;
  });
}

/**
 * The end-of-run summary: days, slices, rows, throughput, elapsed, then the failed slices and the
 * distinct warnings.
 */
export function formatSummary(summary: BackfillSummary): string {
  const rate = summary.elapsedMs > 0 ? (summary.rowsRead / summary.elapsedMs) * 1000 : 0;
  const lines = [
    summary.interrupted
      ? `interrupted after ${summary.days} of ${summary.plannedDays} days`
      : `done: ${summary.days} day${summary.days === 1 ? '' : 's'} on ${summary.machines} machine${summary.machines === 1 ? '' : 's'}`,
    `  slices   ${formatCount(summary.slicesOk)} ok, ${formatCount(summary.slicesFailed)} failed`,
    `  rows     ${formatCount(summary.rowsRead)} read, ${formatCount(summary.rowsWritten)} written`,
    `  speed    ${formatRate(rate)} raw rows/s`,
    `  elapsed  ${formatDuration(summary.elapsedMs)}`,
  ];
  const etlTime = Object.values(summary.perEtl).reduce((sum, e) => sum + e.durationMs, 0);
  if (etlTime > 0 && Object.keys(summary.perEtl).length > 1) {
    const shares = Object.entries(summary.perEtl).map(
      ([etl, e]) => `${etl} ${Math.round((e.durationMs / etlTime) * 100)}%`,
    );
    lines.push(`  time     ${shares.join(', ')}`);
  }
  if (summary.warnings.length > 0) {
    lines.push('warnings:');
    for (const w of summary.warnings)
      lines.push(`  ${w.message} (${w.slices} slice${w.slices === 1 ? '' : 's'})`);
  }
  if (summary.failures.length > 0) {
    lines.push(`failed (${summary.failures.length}):`);
    for (const f of summary.failures)
      lines.push(`  ${f.machineId}  ${f.etl ?? '-'}  ${f.day ?? '-'}  ${f.error}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A progress sink that prints one line per (machine, day), or, on a terminal, a single
 * self-overwriting progress bar (failed days are still printed as lines above it).
 */
export function createProgressPrinter(out: Output): ProgressSink & { end(): void } {
  const tty = out.isTTY === true;
  let barShown = false;
  const clearBar = () => {
    if (barShown) out.write('\r\x1b[K');
    barShown = false;
  };
  return {
    planned(plan, totalDays) {
      for (const line of formatPlan(plan)) out.write(`${line}\n`);
      if (plan.length > 1) out.write(`${totalDays} days in all\n`);
    },
    dayDone(day, progress) {
      const failed = day.slices.some((s) => !s.ok);
      if (!tty) {
        out.write(`${formatDayLine(day, progress)}\n`);
        return;
      }
      clearBar();
      if (failed) out.write(`${formatDayLine(day, progress)}\n`);
      // The bar takes what the text leaves of the terminal's width, so the line never wraps.
      const current = `${day.machineId} ${day.day}`;
      const columns = out.columns || 80; // 0 when the terminal does not say
      const text = formatBar(progress, current, 0).length;
      const line = formatBar(progress, current, Math.max(8, Math.min(30, columns - 1 - text)));
      out.write(line.length >= columns ? line.slice(0, columns - 1) : line);
      barShown = true;
    },
    end: clearBar,
  };
}
