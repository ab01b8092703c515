import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createDb } from './create-db.ts';
import {
  forgetPgliteTemplates,
  type PgliteTemplate,
  pgliteTemplate,
  pgliteTemplateFileName,
} from './pglite-template.ts';

const scratch = mkdtempSync(join(tmpdir(), 'mm-pglite-template-'));
let dirs = 0;
const freshDir = (name: string) => join(scratch, `${name}-${++dirs}`);

afterEach(() => forgetPgliteTemplates());
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A cluster written from the template into a directory answers, keeps what it was given and reopens. */
async function expectUsable(template: PgliteTemplate): Promise<void> {
  const dataDir = freshDir('cluster');
  template.writeInto(dataDir);
  const opened = new PGlite({ dataDir });
  await opened.exec('create table kept (n int); insert into kept values (42)');
  await opened.close();
  const reopened = new PGlite({ dataDir });
  try {
    expect((await reopened.query<{ n: number }>('select n from kept')).rows).toEqual([{ n: 42 }]);
  } finally {
    await reopened.close();
  }
}

// The first test's cache, which later ones copy or compare with.
const sharedCache = join(scratch, 'shared-cache');
const sharedFile = join(sharedCache, pgliteTemplateFileName());

/** The cache file of a template made here (by the first test, or now when run alone). */
async function goodTemplateFile(): Promise<Buffer> {
  await pgliteTemplate(sharedCache);
  return readFileSync(sharedFile);
}

/** A process of its own that needs the template in `cacheDir`; resolves what it says of it. */
function templateInAnotherProcess(cacheDir: string): Promise<{ source: string; cached: boolean }> {
  const script = fileURLToPath(new URL('./testing/make-pglite-template.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, cacheDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`))));
  });
}

describe('the PGlite cluster template', () => {
  it('is made by initdb when the cache holds none, written whole, and loaded from the cache by another process', async () => {
    const made = pgliteTemplate(sharedCache);
    // Every database of a process waits for the same one.
    expect(pgliteTemplate(sharedCache)).toBe(made);
    expect(await made).toMatchObject({ source: 'initdb', cached: true });
    // The temporary file renamed over the name, nothing else left beside it.
    expect(readdirSync(sharedCache)).toEqual([pgliteTemplateFileName()]);
    expect(gunzipSync(readFileSync(sharedFile)).length).toBe((await made).blob.size);
    // A process of its own finds it there and runs no initdb (each new process would pay seconds).
    expect(await templateInAnotherProcess(sharedCache)).toEqual({ source: 'cache', cached: true });
    forgetPgliteTemplates();
    const reused = await pgliteTemplate(sharedCache);
    expect(reused).toMatchObject({ source: 'cache', cached: true });
    await expectUsable(reused);
  });

  it('replaces a damaged cache file by a new initdb', async () => {
    const cacheDir = freshDir('cache');
    const file = join(cacheDir, pgliteTemplateFileName());
    const whole = await goodTemplateFile();
    mkdirSync(cacheDir);
    // A gzip cut short, as an interrupted copy would leave it.
    writeFileSync(file, whole.subarray(0, whole.length / 2));
    expect(await pgliteTemplate(cacheDir)).toMatchObject({ source: 'initdb', cached: true });
    expect(gunzipSync(readFileSync(file)).length).toBe(gunzipSync(whole).length);
    forgetPgliteTemplates();
    expect(await pgliteTemplate(cacheDir)).toMatchObject({ source: 'cache' });
  });

  it('is made in memory where the cache cannot be written', async () => {
    const blocker = freshDir('file');
    writeFileSync(blocker, 'a file where the cache directory would go');
    const template = await pgliteTemplate(join(blocker, 'cache'));
    expect(template).toMatchObject({ source: 'initdb', cached: false });
    expect(template.blob.size).toBe(gunzipSync(await goodTemplateFile()).length);
  });

  it('gives openDb fresh directories and memory databases that work and persist', async () => {
    const dataDir = freshDir('db');
    // What a process killed while writing the template's files leaves: some files, no PG_VERSION.
    mkdirSync(join(dataDir, 'global'), { recursive: true });
    writeFileSync(join(dataDir, 'global', 'pg_control'), 'cut short');
    const db = createDb<unknown>(`pglite:${dataDir}`);
    await sql`create table kept (day date, n bigint)`.execute(db);
    await sql`insert into kept values ('2024-03-31', 9007199254740991)`.execute(db);
    await db.destroy();
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    const again = createDb<unknown>(`pglite:${dataDir}`, { readOnly: true });
    try {
      // The client's parsers apply to a cluster loaded from the template as to any other.
      expect((await sql`select day, n from kept`.execute(again)).rows).toEqual([
        { day: '2024-03-31', n: 9007199254740991 },
      ]);
      await expect(sql`insert into kept values ('2024-04-01', 1)`.execute(again)).rejects.toThrow(
        /read-only/,
      );
    } finally {
      await again.destroy();
    }
    const memory = createDb<unknown>('pglite:memory');
    try {
      expect((await sql<{ n: number }>`select 1 as n`.execute(memory)).rows).toEqual([{ n: 1 }]);
    } finally {
      await memory.destroy();
    }
  });
});
