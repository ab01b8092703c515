import { daysBetween } from '@mm/calendar';
import {
  type AppConfig,
  ConfigError,
  EX_CONFIG,
  formatConfigError,
  loadConfig,
  type Machine,
  redactUrl,
} from '@mm/config';
import { RawPools } from '@mm/db';
import { daysWithData, describeError, machineDays } from '@mm/etl';
import { type EnqueueResult, enqueue } from '../enqueue.ts';
import { createEtlQueues } from '../etl-queues.ts';
import { createRedis, redisReady } from '../redis-connection.ts';
import type { SliceJob } from '../slice-job.ts';
import { type EnqueueArgs, enqueueUsage, parseEnqueueArgs } from './enqueue-args.ts';
import { type JobsProgress, waitForJobs } from './wait-for-jobs.ts';

export interface EnqueueCliIo {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  readFile?: (path: string) => string;
  signal?: AbortSignal;
}

/**
 * `pnpm etl enqueue …`: queues (machine, ETL, day) slices for the workers with `force`, so days that
 * completed before run again; with `--wait`, shows progress until every slice finished. A slice that
 * a worker is running right now is queued again once it finished (it read the raw data before this
 * command). Returns the exit status.
 *
 * @example
 * process.exitCode = await runEnqueueCli(['all', '2024-03-01', '2024-03-31', '--wait'], { env: process.env, stdout, stderr });
 */
export async function runEnqueueCli(argv: readonly string[], io: EnqueueCliIo): Promise<number> {
  const parsed = parseEnqueueArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout.write(enqueueUsage);
    return 0;
  }
  if (parsed.kind === 'error') {
    io.stderr.write(`etl enqueue: ${parsed.message}\n\n${enqueueUsage}`);
    return 2;
  }
  const args = parsed.args;
  let config: AppConfig<'etl-enqueue'>;
  try {
    config = loadConfig(io.env, { app: 'etl-enqueue', readFile: io.readFile });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(formatConfigError(error, 'etl enqueue'));
    return EX_CONFIG;
  }
  const unknown = args.machines.filter((id) => !config.machines.some((m) => m.id === id));
  if (unknown.length > 0) {
    io.stderr.write(`etl enqueue: unknown machine '${unknown.join("', '")}'\n`);
    return 2;
  }
  const machines = args.machines.length
    ? config.machines.filter((m) => args.machines.includes(m.id))
    : config.machines;

  const slices: SliceJob[] = [];
  const raws = new RawPools({ applicationName: 'etl-enqueue', maxConnections: 1 });
  try {
    for (const machine of machines) {
      let days: string[];
      try {
        days = await machineDaysToQueue(machine, raws.rawDb(machine), args, io);
      } catch (error) {
        io.stderr.write(`etl enqueue: cannot read ${machine.id}'s raw data span: ${describeError(error)}\n`);
        if (args.from === null) return 1;
        // A range given: its slices fail in the workers with the reason, listed like any other failure.
        days = daysBetween(args.from, args.to ?? args.from);
      }
      for (const day of days) for (const etl of args.etls) slices.push({ machine: machine.id, etl, day });
    }
  } finally {
    await raws.destroyAll().catch(() => {});
  }

  const redis = createRedis(config.redisUrl, 'producer', { connectionName: 'etl-enqueue' });
  redis.on('error', () => {}); // reported below, once
  const queues = createEtlQueues({
    connection: redis,
    prefix: config.prefix,
    policy: config.jobPolicy,
  });
  try {
    try {
      await redisReady(redis, 5_000);
    } catch (error) {
      io.stderr.write(
        `etl enqueue: cannot reach Redis at ${redactUrl(config.redisUrl)}: ${describeError(error)}\n`,
      );
      return 1;
    }
    let results = await enqueue(queues, slices, { force: true });
    io.stdout.write(`${summarise(results)}\n`);
    if (!args.wait) return 0;

    // A slice that was running read the raw data before this command: once it finished, queue it again.
    const running = results.filter((r) => r.outcome === 'active');
    const print = progressPrinter(io.stdout);
    let failed = await waitForJobs(queues, results, print, io.signal ? { signal: io.signal } : {});
    if (running.length > 0) {
      results = await enqueue(
        queues,
        running.map((r) => r.slice),
        { force: true },
      );
      failed = [
        ...failed.filter((f) => !running.some((r) => r.jobId === f.jobId)),
        ...(await waitForJobs(queues, results, print, io.signal ? { signal: io.signal } : {})),
      ];
    }
    print.end();
    if (io.signal?.aborted) return 130;
    if (failed.length === 0) {
      io.stdout.write(`all ${slices.length} slices completed\n`);
      return 0;
    }
    io.stdout.write(`${failed.length} of ${slices.length} slices failed:\n`);
    for (const f of failed.slice(0, 20)) io.stdout.write(`  ${f.jobId}: ${f.reason}\n`);
    if (failed.length > 20) io.stdout.write(`  … and ${failed.length - 20} more (Bull Board lists them)\n`);
    return 1;
  } finally {
    await queues.close().catch(() => {});
    redis.disconnect();
  }
}

// The days of the range that the machine has raw data for (every such day when no range is given),
// saying on stdout which were left out.
async function machineDaysToQueue(
  machine: Machine,
  raw: ReturnType<RawPools['rawDb']>,
  args: EnqueueArgs,
  io: EnqueueCliIo,
): Promise<string[]> {
  if (args.from === null) {
    const { days, note } = await machineDays(machine, raw, args);
    if (note) io.stdout.write(`${machine.id}: ${note}\n`);
    return days;
  }
  const { days, dataDays, skipped } = await daysWithData(machine, raw, args.from, args.to ?? args.from);
  if (dataDays === null)
    io.stdout.write(`${machine.id}: no raw data on any mapped variable, nothing queued\n`);
  else if (skipped > 0) {
    io.stdout.write(
      `${machine.id}: ${skipped} day(s) outside its raw data (${dataDays.from} to ${dataDays.to}) not queued\n`,
    );
  }
  return days;
}

function summarise(results: EnqueueResult[]): string {
  const count = (outcome: EnqueueResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
  return (
    `queued ${results.length} slices: ${count('added')} new, ${count('requeued')} re-run, ` +
    `${count('pending')} already waiting, ${count('active')} running now`
  );
}

/** One progress line, redrawn in place on a terminal, a new line every few seconds otherwise. */
function progressPrinter(out: EnqueueCliIo['stdout']): ((p: JobsProgress) => void) & { end(): void } {
  let last = 0;
  let drawn = false;
  const line = (p: JobsProgress) => {
    const width = 24;
    const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
    const rate = p.elapsedMs > 0 ? (p.done / p.elapsedMs) * 1000 : 0;
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} slices, ${p.failed} failed, ${rate.toFixed(1)} jobs/s`;
  };
  const print = (p: JobsProgress) => {
    if (out.isTTY) {
      out.write(`\r${line(p)}`);
      drawn = true;
    } else if (p.done === p.total || performance.now() - last > 2_000) {
      last = performance.now();
      out.write(`${line(p)}\n`);
    }
  };
  return Object.assign(print, {
    end() {
      if (drawn) out.write('\n');
    },
  });
}
