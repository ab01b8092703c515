import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';

/**
 * A fresh PGlite cluster, made once and copied: PGlite's initdb runs inside WebAssembly and costs
 * seconds of CPU (more when it writes to a directory), while loading a dump of a fresh cluster
 * costs about a second. The first process to need one runs initdb in memory, dumps the cluster and
 * keeps the dump (gzip, a few MB) in this package's `node_modules/.cache/mm-pglite/`; every later
 * fresh database, in this process or another, loads it instead.
 *
 * Why there: the cache belongs to the installed PGlite (its key is PGlite's version), so it lives and
 * dies with `node_modules`; every process of a checkout (the demo, each test worker, the CLIs) finds
 * it at the same path, and the demo's `--reset` (which removes its data directory) leaves it alone.
 * Where it cannot be written (a read-only image) each process makes its own template in memory.
 */
export const defaultPgliteTemplateDir = fileURLToPath(
  new URL('../node_modules/.cache/mm-pglite/', import.meta.url),
);

// The cache file's own format; bump it when what is stored changes.
const FORMAT = 1;

// PGlite's `dist/`, resolved from this file so it is the PGlite this package loads.
const pgliteDist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));

let versionOfPglite: string | undefined;

function pgliteVersion(): string {
  // Its package.json is not in its `exports`, hence read from beside its entry point.
  versionOfPglite ??= (
    JSON.parse(readFileSync(join(pgliteDist, '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
  return versionOfPglite;
}

/**
 * The cache file's name: what makes two fresh clusters differ. That is PGlite's version (its initdb,
 * its bundled configuration) and what initdb is run with; `openDb` passes none of PGlite's initdb
 * options (`username`, `database`, `initDbStartParams`), so whoever adds one adds it here. Type
 * parsers and session settings are not in it: they live in the client, not in the cluster.
 */
export function pgliteTemplateFileName(): string {
  return `pglite-${pgliteVersion()}-v${FORMAT}.tar.gz`;
}

/** Where a template came from, for tests and timing lines. */
export type PgliteTemplateSource = 'cache' | 'initdb';

export interface PgliteTemplate {
  /** The dump (a tar), for `new PGlite({ loadDataDir })`. */
  blob: Blob;
  source: PgliteTemplateSource;
  /** Whether the cache file now holds it (false where the directory cannot be written). */
  cached: boolean;
}

const templates = new Map<string, Promise<PgliteTemplate>>();

/**
 * The dump of a fresh cluster, read from `cacheDir` or made (and written there) if that holds none
 * or an unreadable one. Made once per process and directory: concurrent callers share the promise.
 * `cacheDir: null` keeps nothing on disk.
 */
export function pgliteTemplate(cacheDir: string | null = defaultPgliteTemplateDir): Promise<PgliteTemplate> {
  const key = cacheDir ?? '';
  let template = templates.get(key);
  if (!template) {
    template = loadOrMakeTemplate(cacheDir);
    // A failure is not remembered: the next database tries again.
    template.catch(() => templates.delete(key));
    templates.set(key, template);
  }
  return template;
}

/** Forgets the templates this process holds (tests: the next call reads the cache again). */
export function forgetPgliteTemplates(): void {
  templates.clear();
}

async function loadOrMakeTemplate(cacheDir: string | null): Promise<PgliteTemplate> {
  const file = cacheDir === null ? null : join(cacheDir, pgliteTemplateFileName());
  if (file) {
    const tar = readTemplate(file);
    if (tar) return { blob: tarBlob(tar), source: 'cache', cached: true };
  }
  const tar = await makeTemplate();
  const cached = file ? writeAtomically(file, gzipSync(tar)) : false;
  return { blob: tarBlob(tar), source: 'initdb', cached };
}

// Kept unpacked (about 40 MB, outside the JavaScript heap): PGlite would otherwise gunzip it again
// for every database, a few tenths of a second each.
function tarBlob(tar: Uint8Array): Blob {
  return new Blob([tar as Uint8Array<ArrayBuffer>], { type: 'application/x-tar' });
}

/**
 * The cache file unpacked, or null when it is missing or damaged: gzip's CRC and length catch a
 * truncated or altered file.
 */
function readTemplate(file: string): Buffer | null {
  try {
    const tar = gunzipSync(readFileSync(file));
    // A cluster's dump always holds PG_VERSION; a gzip of something else is not a template.
    return tar.includes('PG_VERSION') ? tar : null;
  } catch {
    return null;
  }
}

async function makeTemplate(): Promise<Uint8Array> {
  // In memory: initdb there costs about half what it costs writing to a directory.
  const pglite = new PGlite();
  try {
    await pglite.waitReady;
    const dump = await pglite.dumpDataDir('none');
    return new Uint8Array(await dump.arrayBuffer());
  } finally {
    await pglite.close();
  }
}

/**
 * Writes beside the file and renames over it, so a reader (another process starting at the same
 * time) sees the old file, no file or the whole new one, never a part. False when it cannot be
 * written (a read-only directory): the caller goes on with the template it holds.
 */
function writeAtomically(file: string, bytes: Uint8Array): boolean {
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temporary, bytes);
    renameSync(temporary, file);
    return true;
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {}
    return false;
  }
}
