// `pnpm raw import-shdr`: the command-line face of importShdr (user-facing output, hence console).
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { ShdrInputError } from './errors.ts';
import { importShdr, type ShdrFileResult } from './import-shdr.ts';
import { shdrFolder } from './shdr-folder.ts';

const USAGE = `usage: pnpm raw import-shdr --db <raw-db-url> [--devices <Devices.xml>] [--verbose] <file|dir>...
  --db        postgres://… (written with COPY) or pglite:<dir>; the raw schema is created if missing
  --devices   the Devices.xml describing the device (default: the one in a directory given)
  --verbose   also list each variable created, with its datatype and where that came from
  <dir>       imports its *.txt (and *.txt.gz) logs and uses its Devices.xml`;

/**
 * Runs `import-shdr` with its arguments; resolves to the exit code: 0 done, 2 bad arguments or input,
 * 1 any other failure.
 *
 * @example
 * process.exitCode = await importShdrCommand(['--db', url, 'data/nist-mazak01']);
 */
export async function importShdrCommand(args: string[]): Promise<number> {
  let values: { db?: string; devices?: string; help?: boolean; verbose?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: {
        db: { type: 'string' },
        devices: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        verbose: { type: 'boolean', short: 'v' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.db) return usageError('--db <raw-db-url> is required');
  if (!/^(postgres(ql)?:\/\/|pglite:.)/.test(values.db)) {
    return usageError('--db must be a postgres://… or pglite:<dir> URL');
  }
  if (positionals.length === 0) return usageError('name at least one SHDR file or directory');

  let inputs: { files: string[]; devicesXml: string | undefined };
  try {
    inputs = await expandInputs(positionals, values.devices);
  } catch (error) {
    if (error instanceof ShdrInputError) return usageError(error.message);
    throw error;
  }

  try {
    const result = await importShdr({
      target: values.db,
      files: inputs.files,
      ...(inputs.devicesXml ? { devicesXml: inputs.devicesXml } : {}),
      onFile: (file) => console.log(progressLine(file)),
    });
    for (const warning of result.warnings) console.warn(`warning: ${warning}`);
    // One line per variable is for who asks: a device has dozens, and they would bury the summary.
    if (values.verbose) {
      for (const v of result.created) {
        console.log(
          `variable ${v.id} ${v.name}: ${v.datatype} (${v.from === 'devices' ? 'Devices.xml' : 'by shape'})`,
        );
      }
    }
    const fromDevices = result.created.filter((v) => v.from === 'devices').length;
    const created =
      result.created.length === 0
        ? 'none new'
        : `${result.created.length} new: ${fromDevices} typed by Devices.xml, ${result.created.length - fromDevices} by the shape of their values${values.verbose ? '' : '; --verbose lists them'}`;
    const t = result.totals;
    // Opening the database (PGlite takes seconds) and the key scan are in the total, not in the files' time.
    const fileMs = result.files.reduce((sum, f) => sum + f.ms, 0);
    console.log(
      `${result.files.length} files of ${result.device} in ${(result.ms / 1000).toFixed(2)} s ` +
        `(files ${(fileMs / 1000).toFixed(2)} s, ${result.method}): ` +
        `${t.lines} lines (${rate(t.lines, result.ms)}/s), ${t.written} rows written (${rate(t.written, result.ms)} rows/s), ` +
        `${t.rows - t.written} already there, ${t.malformed} malformed lines and ${t.invalid} invalid readings skipped, ` +
        `${t.staleIgnored} stale readings ignored, ${t.restamped} lines re-stamped, ${t.duplicates} same-ms duplicates; ` +
        `${result.variables} variables (${created})`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ShdrInputError) return usageError(error.message);
    console.error(`import-shdr failed: ${(error as Error).message}`);
    if ((error as Error).cause) console.error(`  cause: ${String((error as Error).cause)}`);
    return 1;
  }
}

function usageError(message: string): number {
  console.error(`import-shdr: ${message}\n${USAGE}`);
  return 2;
}

function progressLine(f: ShdrFileResult): string {
  const skipped = f.malformed + f.invalid;
  return (
    `${basename(f.path)}  ${f.lines} lines  ${f.written} rows written  ${skipped} skipped  ` +
    `${f.restamped} re-stamped  ${f.staleIgnored} stale ignored  ${(f.ms / 1000).toFixed(2)} s  ${rate(f.lines, f.ms)} lines/s`
  );
}

function rate(count: number, ms: number): string {
  return ms > 0 ? Math.round((count * 1000) / ms).toLocaleString('en') : '-';
}

/** Files as given, and for a directory its `*.txt` files and its Devices.xml. */
async function expandInputs(
  paths: readonly string[],
  devices: string | undefined,
): Promise<{ files: string[]; devicesXml: string | undefined }> {
  const files: string[] = [];
  const devicesFound = new Set<string>();
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new ShdrInputError(`${path}: no such file or directory`);
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const folder = shdrFolder(path);
    if (folder.files.length === 0 && folder.skipped.length === 0) {
      throw new ShdrInputError(`${path}: no *.txt or *.txt.gz files in it`);
    }
    // A data folder also holds notes (`SOURCE.txt`): only names with a device and a day are logs.
    for (const name of folder.skipped) console.warn(`skipping ${name}: not a <device>-<YYYYMMDD>….txt log`);
    files.push(...folder.files);
    if (folder.devicesXml) devicesFound.add(folder.devicesXml);
  }
  if (devices) {
    const info = await stat(devices).catch(() => undefined);
    if (!info?.isFile()) throw new ShdrInputError(`--devices ${devices}: no such file`);
    return { files, devicesXml: devices };
  }
  if (devicesFound.size > 1) {
    throw new ShdrInputError(
      `several Devices.xml (${[...devicesFound].join(', ')}): choose one with --devices`,
    );
  }
  return { files, devicesXml: [...devicesFound][0] };
}
