import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { NIST_MAZAK01_DIR, shdrFolder } from '@mm/raw';

/**
 * A `NIST_DIR` for tests that start the whole demo (`pnpm start`) but read none of mazak01's data:
 * the repository's `Devices.xml` and its first day's log only, copied into `parent`. The start still
 * opens, imports and aggregates mazak01 as a user's does, without the quarter of a million readings
 * and three weeks of ETL slices of all sixteen logs: single-threaded PGlite CPU that, on a loaded
 * 2-core machine, stretched one such test to minutes.
 *
 * @example
 * const env = { DEMO_DATA_DIR: join(dir, 'demo'), NIST_DIR: smallNistDir(dir) };
 */
export function smallNistDir(parent: string): string {
  const { files, devicesXml } = shdrFolder(NIST_MAZAK01_DIR);
  const first = files[0];
  if (!first || !devicesXml) throw new Error(`no NIST logs or Devices.xml in ${NIST_MAZAK01_DIR}`);
  const dir = join(parent, 'nist-one-day');
  mkdirSync(dir, { recursive: true });
  for (const file of [devicesXml, first]) copyFileSync(file, join(dir, basename(file)));
  return dir;
}
