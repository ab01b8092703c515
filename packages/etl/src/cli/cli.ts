import { availableParallelism } from 'node:os';
import {
  type AppConfig,
  ConfigError,
  createLogger,
  EX_CONFIG,
  formatConfigError,
  loadConfig,
  type Machine,
  redactUrl,
} from '@mm/config';
import { type AggDatabase, createDb, migrationState, NOT_MIGRATED_MESSAGE, RawPools } from '@mm/db';
import type { Kysely } from 'kysely';
import { etlIds } from '../etl.ts';
import { registry } from '../registry.ts';
import { parseArgs, selectMachines, usage } from './args.ts';
import { backfill } from './backfill.ts';
import { createProgressPrinter, formatSummary, type Output } from './progress.ts';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: Output;
  stderr: Output;
  /** Reads the machines file (the real file system unless a test replaces it). */
  readFile?: (path: string) => string;
  /** Aborting (Ctrl-C) stops starting new days; the summary is still printed. */
  signal?: AbortSignal;
}

/** The ETLs that exist right now, in the order `all` runs them. */
export function registeredEtls(): string[] {
  return etlIds.filter((id) => registry[id] !== undefined);
}

/**
 * `pnpm etl …`: parses the arguments, loads the configuration, opens the databases (raw ones
 * read-only), runs the requested slices and prints progress and a summary. Returns the exit status
 * instead of exiting, so tests can call it.
 *
 * @example
 * process.exitCode = await runCli(['run', 'all', '2024-03-31'], { env: process.env, stdout, stderr });
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const known = registeredEtls();
  const defaultConcurrency = availableParallelism();
  const parsed = parseArgs(argv, { knownEtls: known, defaultConcurrency });
  if (parsed.kind === 'help') {
    io.stdout.write(usage(known, defaultConcurrency));
    return EXIT_OK;
  }
  if (parsed.kind === 'error') {
    io.stderr.write(`etl: ${parsed.message}\n\n${usage(known, defaultConcurrency)}`);
    return EXIT_USAGE;
  }
  const args = parsed.args;

  let config: AppConfig<'etl'>;
  try {
    config = loadConfig(io.env, { app: 'etl', ...(io.readFile ? { readFile: io.readFile } : {}) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(formatConfigError(error, 'etl'));
    return EX_CONFIG;
  }
  const machines = selectMachines(config.machines, args.machines);
  if ('error' in machines) {
    io.stderr.write(`etl: ${machines.error}\n\n${usage(known, defaultConcurrency)}`);
    return EXIT_USAGE;
  }

  // ETL warnings (a role variable missing on a machine) repeat for every day: the summary lists each
  // once. LOG_LEVEL, when set, also streams them (and more) to stderr as JSON lines.
  const logger = createLogger({
    app: 'etl',
    level: io.env.LOG_LEVEL ? config.logLevel : 'silent',
    destination: { write: (line: string) => io.stderr.write(line) },
  });
  const pool = args.concurrency + 1;
  const aggDb = createDb<AggDatabase>(config.aggDatabaseUrl, { max: pool, applicationName: 'etl-cli' });
  const raws = new RawPools({
    applicationName: 'etl-cli',
    // One raw connection per (machine, day) running at once, plus one for the span reads.
    maxConnections: pool,
    onConnectionError: (err, machine) => logger.warn({ err, machine }, 'raw database connection error'),
  });
  const rawDb = (machine: Machine) => raws.rawDb(machine);

  try {
    const problem = await checkAggDatabase(aggDb, config.aggDatabaseUrl);
    if (problem) {
      io.stderr.write(`etl: ${problem}\n`);
      return EXIT_FAILED;
    }
    const printer = createProgressPrinter(io.stdout);
    const summary = await backfill(
      { machines, etls: args.etls, from: args.from, to: args.to, concurrency: args.concurrency },
      { aggDb, rawDb, progress: printer, logger, ...(io.signal ? { signal: io.signal } : {}) },
    );
    printer.end();
    io.stdout.write(formatSummary(summary));
    if (summary.failures.length > 0) return EXIT_FAILED;
    return summary.interrupted ? EXIT_INTERRUPTED : EXIT_OK;
  } finally {
    await Promise.allSettled([aggDb.destroy(), raws.destroyAll()]);
  }
}

// Fails fast, with one line, when the aggregation database is unreachable or behind the code's
// migrations, instead of one identical failure per slice.
async function checkAggDatabase(db: Kysely<AggDatabase>, url: string): Promise<string | null> {
  try {
    const state = await migrationState(db);
    return state.migrated ? null : NOT_MIGRATED_MESSAGE;
  } catch (error) {
    return `cannot use the aggregation database ${redactUrl(url)}: ${(error as Error).message}`;
  }
}
