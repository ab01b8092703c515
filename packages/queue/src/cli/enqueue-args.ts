import { dateProblem, daysInclusive, maxRangeDays } from '@mm/calendar';
import { etlIds } from '@mm/etl';

/** `pnpm etl enqueue …` as parsed from the command line. */
export interface EnqueueArgs {
  etls: Array<(typeof etlIds)[number]>;
  /** `null`: every day from each machine's first to its latest reading. */
  from: string | null;
  to: string | null;
  /** `--machine` ids; empty means every configured machine. */
  machines: string[];
  wait: boolean;
}

export type ParsedEnqueueArgs =
  | { kind: 'enqueue'; args: EnqueueArgs }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

export const enqueueUsage = [
  'usage: pnpm etl enqueue <etl|all> [from [to]] [--machine <id>] [--wait]',
  '',
  `  <etl|all>          ${etlIds.join(', ')}, a comma-separated list of them, or all`,
  `  from [to]          a machine-local day, or every day from..to (both included, at most ${maxRangeDays});`,
  "                     days outside a machine's raw data are skipped",
  "  (no dates)         every day from each machine's first to its latest reading",
  '  --machine <id>     only this machine (repeatable); default: every configured machine',
  '  --wait             show progress until every slice finished; exit 1 if any failed',
  '',
  'Queues the slices for the workers, re-running days that completed before (force).',
  'Reads REDIS_URL, QUEUE_PREFIX, MACHINES_FILE and the job settings (JOB_ATTEMPTS...).',
  'Exit status: 0 queued (or, with --wait, all completed), 1 some slice failed or Redis is',
  'unreachable, 2 bad arguments, 78 bad configuration.',
  '',
].join('\n');

/**
 * Parses the arguments after `pnpm etl enqueue`. Pure.
 *
 * @example
 * parseEnqueueArgs(['all', '2024-03-01', '2024-03-31', '--wait']);
 */
export function parseEnqueueArgs(argv: readonly string[]): ParsedEnqueueArgs {
  const positionals: string[] = [];
  const machines: string[] = [];
  let wait = false;
  const error = (message: string): ParsedEnqueueArgs => ({ kind: 'error', message });
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--wait') {
      wait = true;
      continue;
    }
    if (arg === '--machine' || arg.startsWith('--machine=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!value || value.startsWith('--')) return error('--machine needs a value');
      machines.push(value);
      continue;
    }
    if (arg.startsWith('-')) return error(`unknown option '${arg}'`);
    positionals.push(arg);
  }
  const [etlArg, from, to, ...extra] = positionals;
  if (etlArg === undefined) return error('missing the ETL to queue (an ETL id or all)');
  if (extra.length > 0) return error(`unexpected argument '${extra[0]}'`);
  const wanted = etlArg === 'all' ? [...etlIds] : etlArg.split(',').map((s) => s.trim());
  const unknown = wanted.filter((id) => !(etlIds as readonly string[]).includes(id));
  if (unknown.length > 0)
    return error(`unknown ETL '${unknown.join("', '")}' (known: ${etlIds.join(', ')}, or all)`);
  for (const day of [from, to]) {
    const problem = day === undefined ? null : dateProblem(day);
    if (problem) return error(`'${day}' ${problem.message}`);
  }
  if (from !== undefined && to !== undefined && from > to) return error(`from (${from}) is after to (${to})`);
  if (from !== undefined && to !== undefined && daysInclusive(from, to) > maxRangeDays) {
    return error(
      `${from}..${to} is ${daysInclusive(from, to)} days, more than ${maxRangeDays} at once: queue it in parts, ` +
        "or give no dates to queue every day of each machine's data",
    );
  }
  return {
    kind: 'enqueue',
    args: {
      etls: etlIds.filter((id) => wanted.includes(id)),
      from: from ?? null,
      to: to ?? from ?? null,
      machines: [...new Set(machines)],
      wait,
    },
  };
}
