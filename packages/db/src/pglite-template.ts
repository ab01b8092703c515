import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';

/**
 * A fresh PGlite cluster, made once and copied: PGlite's initdb runs inside WebAssembly and costs
 * seconds of CPU (more when it writes to a directory), while copying a fresh cluster's files costs
 * a tenth of a second. The first process to need one runs initdb in memory, dumps the cluster and
 * keeps the dump (gzip, 4.5 MB; 40 MB unpacked) in this package's `node_modules/.cache/mm-pglite/`;
 * every later fresh database, in this process or another, is made from it (packages/db/README.md,
 * "PGlite databases", for the figures).
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

/** Where a template came from: the cache file, or this process's initdb. */
export type PgliteTemplateSource = 'cache' | 'initdb';

export interface PgliteTemplate {
  /** The dump (a tar), for an in-memory `new PGlite({ loadDataDir })`. */
  blob: Blob;
  source: PgliteTemplateSource;
  /** Whether the cache file now holds it (false where the directory cannot be written). */
  cached: boolean;
  /**
   * Writes the cluster's files into `dataDir` (which holds no cluster), `PG_VERSION` last: PGlite
   * takes a directory with `PG_VERSION` for a cluster, so one cut short is written again next time.
   * Writing them directly and then opening the directory costs about half of what loading the dump
   * through PGlite's own file system does.
   */
  writeInto(dataDir: string): void;
}

const templates = new Map<string, Promise<PgliteTemplate>>();

/**
 * The dump of a fresh cluster, read from `cacheDir` or made (and written there) if that holds none
 * or an unreadable one. Read once per process and directory (concurrent callers share the promise),
 * made by initdb at most once per process.
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

/**
 * Forgets what this process read from cache directories (tests: the next call reads the cache
 * again, as a new process would). A template it made by initdb is kept: it is the same cluster
 * whichever directory it is written to, and making it again would only cost seconds.
 */
export function forgetPgliteTemplates(): void {
  templates.clear();
}

let made: Promise<Buffer> | undefined;

/** initdb, once per process. */
function madeTemplate(): Promise<Buffer> {
  if (!made) {
    made = makeTemplate();
    made.catch(() => {
      made = undefined;
    });
  }
  return made;
}

async function loadOrMakeTemplate(cacheDir: string | null): Promise<PgliteTemplate> {
  const file = cacheDir === null ? null : join(cacheDir, pgliteTemplateFileName());
  if (file) {
    const cached = readTemplate(file);
    if (cached) return cached;
  }
  const tar = await madeTemplate();
  const cached = file ? writeAtomically(file, gzipSync(tar)) : false;
  return template(tar, 'initdb', cached);
}

function template(tar: Buffer, source: PgliteTemplateSource, cached: boolean): PgliteTemplate {
  const entries = tarEntries(tar);
  const version = entries.find((entry) => entry.path === 'PG_VERSION');
  // A cluster's dump always holds PG_VERSION; a tar of something else is not a template.
  if (!version) throw new Error('not a PGlite cluster: no PG_VERSION');
  return {
    // Kept unpacked (about 40 MB, outside the JavaScript heap): PGlite would otherwise gunzip it
    // again for every database, a few tenths of a second each.
    blob: new Blob([tar as Uint8Array<ArrayBuffer>], { type: 'application/x-tar' }),
    source,
    cached,
    writeInto(dataDir) {
      for (const entry of [...entries.filter((e) => e !== version), version]) {
        const path = join(dataDir, entry.path);
        if (entry.directory) {
          mkdirSync(path, { recursive: true, mode: entry.mode });
        } else {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, entry.data, { mode: entry.mode });
        }
      }
    },
  };
}

interface TarEntry {
  /** Relative to the cluster's directory. */
  path: string;
  directory: boolean;
  mode: number;
  data: Uint8Array;
}

/**
 * The entries of a ustar archive as PGlite's `dumpDataDir` writes it (directories and regular
 * files); throws on anything else, and on paths that would leave the cluster's directory.
 */
function tarEntries(tar: Buffer): TarEntry[] {
  const field = (header: Buffer, from: number, length: number) => {
    const bytes = header.subarray(from, from + length);
    const end = bytes.indexOf(0);
    return bytes.subarray(0, end < 0 ? length : end).toString('utf8');
  };
  const entries: TarEntry[] = [];
  for (let at = 0; ; ) {
    if (at + 512 > tar.length) throw new Error('tar archive cut short');
    const header = tar.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) return entries; // the end-of-archive block
    const prefix = field(header, 345, 155);
    const name = `${prefix ? `${prefix}/` : ''}${field(header, 0, 100)}`;
    const path = name.replace(/^\/+/, '').replace(/\/+$/, '');
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    const mode = Number.parseInt(field(header, 100, 8).trim() || '0', 8) & 0o777;
    const type = field(header, 156, 1);
    if (!path || path.split('/').includes('..') || !Number.isFinite(size) || !(mode > 0)) {
      throw new Error(`unexpected tar entry '${name}'`);
    }
    if (type !== '0' && type !== '' && type !== '5') throw new Error(`unexpected tar entry type '${type}'`);
    at += 512;
    if (at + size > tar.length) throw new Error('tar archive cut short');
    entries.push({ path, directory: type === '5', mode, data: tar.subarray(at, at + size) });
    at += Math.ceil(size / 512) * 512;
  }
}

/**
 * The cache file's template, or null when it is missing or damaged: gzip's CRC and length catch a
 * truncated or altered file, the tar's reading anything else.
 */
function readTemplate(file: string): PgliteTemplate | null {
  try {
    return template(gunzipSync(readFileSync(file)), 'cache', true);
  } catch {
    return null;
  }
}

async function makeTemplate(): Promise<Buffer> {
  // In memory: initdb there costs about half what it costs writing to a directory.
  const pglite = new PGlite();
  try {
    await pglite.waitReady;
    const dump = await pglite.dumpDataDir('none');
    return Buffer.from(await dump.arrayBuffer());
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
