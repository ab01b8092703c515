import { dateProblem } from '@mm/calendar';
import type { Machine } from '@mm/config';

/** `pnpm etl run …` as parsed from the command line. */
export interface RunArgs {
  /** The ETLs to run, in registry order (`all` expanded). */
  etls: string[];
  /** First machine-local day, or `null` for a full backfill from each machine's first day with data. */
  from: string | null;
  /** Last day (inclusive); equals `from` when one day was given, `null` for a full backfill. */
  to: string | null;
  /** Machine ids from `--machine`; empty means every configured machine. */
  machines: string[];
  /** (machine, day) units run at once. */
  concurrency: number;
}

export type ParsedArgs =
  | { kind: 'run'; args: RunArgs }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

export interface ParseOptions {
  /** The ETL ids that can run, in the order `all` runs them. */
  knownEtls: readonly string[];
  /** `--concurrency` when not given (the number of cores). */
  defaultConcurrency: number;
}

export const MAX_CONCURRENCY = 64;

/**
 * The usage text, listing the ETLs that exist.
 *
 * @example
 * usage(['sensor-stats']); // 'usage: pnpm etl run <etl|all> [from [to]] ...'
 */
export function usage(knownEtls: readonly string[], defaultConcurrency = 2): string {
  return [
    'usage: pnpm etl run <etl|all> [from [to]] [--machine <id>] [--concurrency N]',
    '',
    `  <etl|all>          ${knownEtls.join(', ')}, a comma-separated list of them, or all`,
    '  from               a machine-local day (YYYY-MM-DD): run that day only',
    '  from to            every day from..to, both included',
    '  (no dates)         full backfill: from the first to the last day with raw data, per machine',
    '  --machine <id>     only this machine (repeatable); default: every configured machine',
    `  --concurrency N    days run at once (default ${defaultConcurrency}, the number of cores)`,
    '',
    'Reads AGG_DATABASE_URL and MACHINES_FILE (and LOG_LEVEL for ETL warnings on stderr).',
    'Exit status: 0 all slices ok, 1 some slice failed, 2 bad arguments, 78 bad configuration.',
    '',
  ].join('\n');
}

/**
 * Parses the arguments after `pnpm etl`. Pure: no I/O, no configuration; machine ids are checked
 * later against the configuration by {@link selectMachines}.
 *
 * @example
 * parseArgs(['run', 'all', '2024-03-01', '2024-03-31', '--machine', 'press-07'], {
 *   knownEtls: ['sensor-stats', 'energy'], defaultConcurrency: 2,
 * });
 * // { kind: 'run', args: { etls: ['sensor-stats', 'energy'], from: '2024-03-01', to: '2024-03-31',
 * //   machines: ['press-07'], concurrency: 2 } }
 */
export function parseArgs(argv: readonly string[], options: ParseOptions): ParsedArgs {
  const positionals: string[] = [];
  const machines: string[] = [];
  let concurrency = options.defaultConcurrency;
  const error = (message: string): ParsedArgs => ({ kind: 'error', message });

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (flag !== '--machine' && flag !== '--concurrency') return error(`unknown option '${flag}'`);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i];
    if (value === undefined || value === '') return error(`${flag} needs a value`);
    if (flag === '--machine') {
      machines.push(value);
    } else {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_CONCURRENCY)
        return error(`--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, not '${value}'`);
      concurrency = Number(value);
    }
  }

  const [command, etlArg, from, to, ...extra] = positionals;
  if (command === undefined) return error('missing command (run)');
  if (command !== 'run') return error(`unknown command '${command}'`);
  if (etlArg === undefined) return error('missing the ETL to run (an ETL id or all)');
  if (extra.length > 0) return error(`unexpected argument '${extra[0]}'`);

  const etls = parseEtls(etlArg, options.knownEtls);
  if (typeof etls === 'string') return error(etls);

  for (const day of [from, to]) {
    const problem = day === undefined ? null : dayProblem(day);
    if (problem) return error(problem);
  }
  if (from !== undefined && to !== undefined && from > to) return error(`from (${from}) is after to (${to})`);

  return {
    kind: 'run',
    args: {
      etls,
      from: from ?? null,
      to: to ?? from ?? null,
      machines: [...new Set(machines)],
      concurrency,
    },
  };
}

// `all`, one id, or a comma-separated list; returns the ids in registry order, or an error message.
function parseEtls(arg: string, known: readonly string[]): string[] | string {
  if (arg === 'all') return [...known];
  const wanted = arg.split(',').map((s) => s.trim());
  const unknown = wanted.filter((id) => !known.includes(id));
  if (unknown.length > 0) return `unknown ETL '${unknown.join("', '")}' (known: ${known.join(', ')}, or all)`;
  return known.filter((id) => wanted.includes(id));
}

/**
 * The configured machines the run covers: those named by `--machine` (in configuration order), or all.
 *
 * @example
 * selectMachines(config.machines, ['press-07']); // [press07] or { error: "unknown machine …" }
 */
export function selectMachines<M extends Pick<Machine, 'id'>>(
  configured: readonly M[],
  wanted: readonly string[],
): M[] | { error: string } {
  if (wanted.length === 0) return [...configured];
  const ids = new Set(configured.map((m) => m.id));
  const unknown = wanted.filter((id) => !ids.has(id));
  if (unknown.length > 0) {
    return {
      error: `unknown machine '${unknown.join("', '")}' (configured: ${[...ids].join(', ') || 'none'})`,
    };
  }
  return configured.filter((m) => wanted.includes(m.id));
}

/** Why `day` is not a date the system accepts, quoting it, or `null` when it is one. */
export function dayProblem(day: string): string | null {
  const problem = dateProblem(day);
  return problem && `'${day}' ${problem.message}`;
}
