import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { RawDatabase } from '@mm/db';
import type { Kysely } from 'kysely';
import {
  addToKeyShape,
  classifyKeyShape,
  datatypeOfCategory,
  emptyKeyShape,
  type KeyShape,
  SHDR_DATATYPES,
  type ShdrDatatype,
} from './classify.ts';
import { type DeviceModel, listDevices, parseDevicesXml } from './devices-xml.ts';
import { ShdrInputError } from './errors.ts';
import { openRawTarget, type RawTarget, type SqlSession } from './raw-target.ts';
import { readLineBatches } from './read-lines.ts';
import { parseShdrFileName, type ShdrFileName } from './shdr-file-name.ts';
import {
  emptyFileCounts,
  type ShdrFileCounts,
  ShdrFileSequencer,
  type ShdrVariable,
} from './shdr-file-sequencer.ts';
import { type IsCondition, parseShdrLine } from './shdr-line.ts';

export interface ImportShdrOptions {
  /** The raw database: a `postgres://` URL (written with COPY), a `pglite:` URL, or a Kysely instance. */
  target: string | Kysely<RawDatabase>;
  /** Daily SHDR logs named `<device>-<YYYYMMDD>[-<YYYYMMDD>].txt`, all of one device; read in name order. */
  files: readonly string[];
  /** Path of the Devices.xml that describes the device; without it every key is classified by shape. */
  devicesXml?: string;
  /** Called after each file is committed. */
  onFile?: (result: ShdrFileResult) => void;
}

export interface ShdrFileResult extends ShdrFileCounts {
  path: string;
  day: string;
  /** Rows new to the database (`rows` minus those already there). */
  written: number;
  ms: number;
}

export interface ShdrVariableCreated {
  id: number;
  name: string;
  datatype: string;
  /** Where the datatype came from: the category in Devices.xml, or the shape of the key's lines. */
  from: 'devices' | 'shape';
}

export interface ShdrImportResult {
  device: string;
  method: RawTarget['method'];
  files: ShdrFileResult[];
  totals: ShdrFileCounts & { written: number };
  created: ShdrVariableCreated[];
  /** Variables in the database after the import. */
  variables: number;
  warnings: string[];
  ms: number;
}

// One importer at a time per database: variable ids are allocated as max(id) + 1 and the stale rule reads
// the latest imported reading, both of which a concurrent import would invalidate.
const IMPORT_LOCK = 0x5d4d_0001;

/**
 * Imports daily MTConnect SHDR logs into a raw (logger-schema) database by DOMAIN §7, creating the schema
 * if missing. Idempotent: importing the same files again writes nothing and leaves the tables identical
 * (every row is `on conflict do nothing`, variables are found by name, and the stale rule reads the
 * latest reading from the database). Each file is one transaction; a malformed line is skipped and counted.
 *
 * @example
 * const result = await importShdr({
 *   target: 'postgres://postgres@127.0.0.1:5432/mazak01',
 *   files: ['data/Mazak01-20190618-20190619.txt'],
 *   devicesXml: 'data/Devices.xml',
 * });
 * result.totals.written;
 */
export async function importShdr(options: ImportShdrOptions): Promise<ShdrImportResult> {
  const started = performance.now();
  const files = await orderedFiles(options.files);
  const device = files[0]!.name.device;
  const warnings: string[] = [];
  const model = options.devicesXml ? await loadDeviceModel(options.devicesXml, device) : undefined;
  if (!options.devicesXml) warnings.push('no Devices.xml: every key is classified by the shape of its lines');

  const target = await openRawTarget(options.target);
  try {
    await target.createSchema();
    const known = await loadVariables(target);
    const isCondition = conditionKeys(model, known);
    const seen = await scanKeys(
      files,
      isCondition,
      (key) => !known.has(key) && devicesDatatype(model, key) === undefined,
    );
    const created = await createVariables(target, seen, model, warnings);
    const variables = await loadVariables(target);
    for (const name of seen.order) {
      const expected = devicesDatatype(model, name);
      const variable = variables.get(name);
      if (variable && expected && expected !== variable.datatype) {
        warnings.push(
          `${name}: the database has it as ${variable.datatype}, Devices.xml as ${expected}; kept`,
        );
      }
    }

    const results: ShdrFileResult[] = [];
    for (const file of files) {
      const result = await importFile(target, file, variables, isCondition);
      results.push(result);
      options.onFile?.(result);
    }
    const count = await target.query<{ n: number }>('select count(*)::int as n from variable');
    return {
      device,
      method: target.method,
      files: results,
      totals: sumCounts(results),
      created,
      variables: count.rows[0]?.n ?? 0,
      warnings,
      ms: performance.now() - started,
    };
  } finally {
    await target.close();
  }
}

interface NamedFile {
  path: string;
  name: ShdrFileName;
}

/** Files in name order (DOMAIN §7: the first reading read wins), checked before anything is written. */
async function orderedFiles(paths: readonly string[]): Promise<NamedFile[]> {
  if (paths.length === 0) throw new ShdrInputError('no SHDR files to import');
  const problems: string[] = [];
  const files = new Map<string, NamedFile>();
  for (const path of paths) {
    const full = resolve(path);
    const isFile = await stat(full).then(
      (s) => s.isFile(),
      () => false,
    );
    const name = parseShdrFileName(full);
    if (!isFile) problems.push(`${path}: no such file`);
    else if (!name) problems.push(`${path}: the name is not <device>-<YYYYMMDD>….txt (the day is needed)`);
    else files.set(full, { path: full, name });
  }
  const devices = new Set([...files.values()].map((f) => f.name.device));
  if (devices.size > 1) {
    problems.push(`files of several devices (${[...devices].join(', ')}): one raw database per machine`);
  }
  if (problems.length > 0) throw new ShdrInputError(problems.join('\n'));
  return [...files.values()].sort((a, b) => {
    const byName = basename(a.path).localeCompare(basename(b.path), 'en');
    return byName !== 0 ? byName : a.path.localeCompare(b.path, 'en');
  });
}

async function loadDeviceModel(path: string, device: string): Promise<DeviceModel> {
  const xml = await readFile(path, 'utf8').catch((error: Error) => {
    throw new ShdrInputError(`${path}: cannot read Devices.xml (${error.message})`, { cause: error });
  });
  const model = parseDevicesXml(xml, device);
  if (!model) {
    const names = listDevices(xml);
    throw new ShdrInputError(
      `${path} has no device ${device} (the files' prefix); it has: ${names.join(', ') || 'none'}`,
    );
  }
  return model;
}

async function loadVariables(db: Pick<SqlSession, 'query'>): Promise<Map<string, ShdrVariable>> {
  const { rows } = await db.query<{ id: number; name: string; datatype: string }>(
    'select id, name, datatype from variable order by id',
  );
  // Names are unique in databases this importer writes; in any other, the lowest id is the variable.
  const out = new Map<string, ShdrVariable>();
  for (const row of rows) if (!out.has(row.name)) out.set(row.name, { id: row.id, datatype: row.datatype });
  return out;
}

/** The datatype Devices.xml gives a key; `undefined` when it lacks the key or its category is unknown. */
function devicesDatatype(model: DeviceModel | undefined, key: string): ShdrDatatype | undefined {
  const item = model?.items.get(key);
  return item && datatypeOfCategory(item);
}

/** Condition keys take five fields on a line: known from Devices.xml or the database, else by shape. */
function conditionKeys(
  model: DeviceModel | undefined,
  known: ReadonlyMap<string, ShdrVariable>,
): IsCondition {
  return (key) => {
    const item = model?.items.get(key);
    if (item) return item.category === 'CONDITION';
    if (known.get(key)?.datatype === SHDR_DATATYPES.CONDITION) return true;
    return undefined;
  };
}

interface ScannedKeys {
  /** Every key of a well-formed line, in the order first read (files in name order). */
  order: string[];
  /** The shape of the keys nothing describes, over all their lines. */
  shapes: Map<string, KeyShape>;
}

/**
 * A first, read-only pass: which keys the files use, and the shape of those Devices.xml and the database
 * do not know. DOMAIN §7 classifies such a key by all its lines, so this must precede any write.
 */
async function scanKeys(
  files: readonly NamedFile[],
  isCondition: IsCondition,
  needsShape: (key: string) => boolean,
): Promise<ScannedKeys> {
  // Every key in the order first read, with whether it needs its shape (decided once per key).
  const seen = new Map<string, boolean>();
  const shapes = new Map<string, KeyShape>();
  for (const file of files) {
    for await (const batch of readLineBatches(file.path)) {
      for (const line of batch) {
        const parsed = parseShdrLine(line, isCondition);
        if (parsed.kind !== 'data') continue;
        for (const token of parsed.tokens) {
          let shaped = seen.get(token.key);
          if (shaped === undefined) {
            shaped = needsShape(token.key);
            seen.set(token.key, shaped);
          }
          if (!shaped) continue;
          let shape = shapes.get(token.key);
          if (!shape) {
            shape = emptyKeyShape();
            shapes.set(token.key, shape);
          }
          addToKeyShape(shape, token);
        }
      }
    }
  }
  return { order: [...seen.keys()], shapes };
}

/** Adds the keys the database lacks as variables, ids max(id) + 1… in the order the keys were first read. */
async function createVariables(
  target: RawTarget,
  seen: ScannedKeys,
  model: DeviceModel | undefined,
  warnings: string[],
): Promise<ShdrVariableCreated[]> {
  return target.transaction(async (session) => {
    await session.query('select pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
    // Read again under the lock: another import may have added some since.
    const existing = await loadVariables(session);
    const max = await session.query<{ max: number | null }>('select max(id) as max from variable');
    let next = (max.rows[0]?.max ?? 0) + 1;
    const created: ShdrVariableCreated[] = [];
    for (const name of seen.order) {
      if (existing.has(name)) continue;
      const fromDevices = devicesDatatype(model, name);
      const shape = seen.shapes.get(name) ?? emptyKeyShape();
      const datatype = fromDevices ?? classifyKeyShape(shape);
      const item = model?.items.get(name);
      if (item && !fromDevices)
        warnings.push(`${name}: Devices.xml category ${item.category} is unknown; classified by shape`);
      created.push({ id: next++, name, datatype, from: fromDevices ? 'devices' : 'shape' });
    }
    if (created.length > 0) {
      const values = created.map((_, i) => `($${3 * i + 1}::int, $${3 * i + 2}::text, $${3 * i + 3}::text)`);
      await session.query(
        `insert into variable (id, name, datatype) values ${values.join(', ')}`,
        created.flatMap((v) => [v.id, v.name, v.datatype]),
      );
    }
    return created;
  });
}

/** One file in one transaction: stage its rows, then one set-based insert per log table. */
async function importFile(
  target: RawTarget,
  file: NamedFile,
  variables: ReadonlyMap<string, ShdrVariable>,
  isCondition: IsCondition,
): Promise<ShdrFileResult> {
  const started = performance.now();
  return target.transaction(async (session) => {
    await session.query('select pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
    // Re-running the import recovers whatever an OS crash could lose here, so the commit need not
    // wait for its WAL flush.
    await session.query('set local synchronous_commit = off');
    const latest = await loadLatest(session);
    // One stage for both logs: a float row has `txt` null, a string row `num` null.
    await session.query(
      'create temp table shdr_stage (id_var int not null, date bigint not null, num real, txt text) on commit drop',
    );
    const writer = session.rowWriter('shdr_stage', ['id_var', 'date', 'num', 'txt']);
    const sequencer = new ShdrFileSequencer({
      dayStartMs: file.name.dayStartMs,
      variables,
      latest,
      isCondition,
      emit: (row) =>
        writer.push(
          typeof row.value === 'number'
            ? [row.idVar, row.date, row.value, null]
            : [row.idVar, row.date, null, row.value],
        ),
    });
    for await (const batch of readLineBatches(file.path)) {
      for (const line of batch) sequencer.readLine(line);
      if (writer.full) await writer.flush();
    }
    await writer.end();
    const floats = await session.query(
      `insert into variable_log_float (id_var, date, value)
       select id_var, date, num from shdr_stage where txt is null
       on conflict do nothing`,
    );
    const strings = await session.query(
      `insert into variable_log_string (id_var, date, value)
       select id_var, date, txt from shdr_stage where txt is not null
       on conflict do nothing`,
    );
    return {
      path: file.path,
      day: file.name.day,
      ...sequencer.counts,
      written: floats.rowCount + strings.rowCount,
      ms: performance.now() - started,
    };
  });
}

/** The latest `date` per variable, one index probe each (the logs' primary key is (id_var, date)). */
async function loadLatest(session: SqlSession): Promise<Map<number, number>> {
  const { rows } = await session.query<{ id: number; latest: number | string | null }>(
    `select v.id, greatest(
       (select max(f.date) from variable_log_float f where f.id_var = v.id),
       (select max(s.date) from variable_log_string s where s.id_var = v.id)) as latest
     from variable v`,
  );
  const out = new Map<number, number>();
  for (const row of rows) if (row.latest !== null) out.set(row.id, Number(row.latest));
  return out;
}

function sumCounts(results: readonly ShdrFileResult[]): ShdrFileCounts & { written: number } {
  const total = { ...emptyFileCounts(), written: 0 };
  for (const r of results)
    for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += r[key];
  return total;
}
