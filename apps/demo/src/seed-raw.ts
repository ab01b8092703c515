import { addDays } from '@mm/calendar';
import { createDb, createRawSchema, type RawDatabase } from '@mm/db';
import { importShdr, shdrFolder, simulatePlant } from '@mm/raw';
import { sql } from 'kysely';
import type { RawWriteTarget } from './demo-databases.ts';

export interface RawSeedResult {
  rows: number;
  ms: number;
}

/**
 * Empties a demo raw database (creating the raw schema if missing), so a seed interrupted halfway
 * is redone from scratch. Only for the demo's own raw databases: never a logger's.
 *
 * @example
 * await clearRawDatabase(dbs.writeTarget(machine));
 */
export async function clearRawDatabase(target: RawWriteTarget): Promise<void> {
  const db = target.kind === 'pglite' ? target.db : createDb<RawDatabase>(target.url, { max: 1 });
  try {
    await createRawSchema(db);
    await sql`truncate variable_log_float, variable_log_string, variable`.execute(db);
  } finally {
    if (target.kind === 'postgres') await db.destroy();
  }
}

/**
 * Writes `days` simulated days of a `logger`-profile machine ending with `lastDay` (DOMAIN §2), one
 * report line per day.
 *
 * @example
 * await seedSimulatedMachine(target, { lastDay: '2026-11-26', days: 14, timezone: 'Europe/Madrid', volume: 0.1, seed: 42 }, console.log);
 */
export async function seedSimulatedMachine(
  target: RawWriteTarget,
  options: { lastDay: string; days: number; timezone: string; volume: number; seed: number },
  report: (line: string) => void,
): Promise<RawSeedResult> {
  const start = addDays(options.lastDay, -(options.days - 1));
  const written = target.kind === 'pglite' ? { db: target.db } : { url: target.url };
  const summary = await simulatePlant({
    ...written,
    seed: options.seed,
    start,
    days: options.days,
    timezone: options.timezone,
    volume: options.volume,
    onDay: (d) =>
      report(
        `  simulated ${d.day}  ${d.rows.toLocaleString('en')} rows` +
          (d.poweredMs === 0
            ? '  (machine off all day)'
            : `  (powered ${(d.poweredMs / 3_600_000).toFixed(1)} h)`),
      ),
  });
  return { rows: summary.rows.total, ms: summary.elapsedMs };
}

/**
 * Imports the NIST Mazak01 SHDR logs of `dir` (its `<device>-<YYYYMMDD>….txt[.gz]` files and
 * `Devices.xml`) with the SHDR importer, one report line per file.
 *
 * @example
 * await seedNistMachine(target, NIST_MAZAK01_DIR, console.log);
 */
export async function seedNistMachine(
  target: RawWriteTarget,
  dir: string,
  report: (line: string) => void,
): Promise<RawSeedResult> {
  const { files, devicesXml } = shdrFolder(dir);
  if (files.length === 0) throw new Error(`no <device>-<YYYYMMDD>….txt SHDR logs in ${dir}`);
  const result = await importShdr({
    target: target.kind === 'pglite' ? target.db : target.url,
    files,
    ...(devicesXml ? { devicesXml } : {}),
    onFile: (f) =>
      report(
        `  imported ${f.day}  ${f.written.toLocaleString('en')} rows from ${f.lines.toLocaleString('en')} lines`,
      ),
  });
  return { rows: result.totals.written, ms: result.ms };
}
