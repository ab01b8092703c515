import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseShdrFileName } from './shdr-file-name.ts';

/**
 * The real MTConnect sample logs kept in this repository: 16 days of the Mazak Integrex 100-IV of the
 * NIST Smart Manufacturing Systems Test Bed (gzipped SHDR logs and the agent's `Devices.xml`; NIST's
 * notice and credit are in the folder). Absolute, so it does not depend on the working directory.
 */
export const NIST_MAZAK01_DIR = fileURLToPath(new URL('../../data/nist-mazak01', import.meta.url));

/** The SHDR logs of a folder (in name order) and its `Devices.xml`, when it has one. */
export interface ShdrFolder {
  files: string[];
  devicesXml: string | undefined;
  /** Text files that are not logs (`SOURCE.txt`): left out, named so a caller can say so. */
  skipped: string[];
}

/**
 * Lists a folder the way the importer takes it: every `<device>-<YYYYMMDD>….txt` (or `.txt.gz`) log
 * in name order, and the folder's `Devices.xml`.
 *
 * @example
 * const { files, devicesXml } = shdrFolder(NIST_MAZAK01_DIR);
 * await importShdr({ target: url, files, devicesXml });
 */
export function shdrFolder(dir: string): ShdrFolder {
  const names = readdirSync(dir).sort();
  const files: string[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    if (!/\.txt(\.gz)?$/i.test(name)) continue;
    if (parseShdrFileName(name)) files.push(join(dir, name));
    else skipped.push(join(dir, name));
  }
  return { files, devicesXml: names.includes('Devices.xml') ? join(dir, 'Devices.xml') : undefined, skipped };
}
