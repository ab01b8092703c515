import { parseArgs } from 'node:util';
import { redactUrl } from '@mm/config';
import { createDb, createRawSchema, type RawDatabase } from '@mm/db';
import { sql } from 'kysely';
import {
  PlantOptionsError,
  resolvePlantOptions,
  SimulationConflictError,
  simulatePlant,
} from '../simulator/index.ts';
import { databaseErrorLine } from './database-error.ts';

const USAGE = `usage: pnpm raw simulate --db <url> --start YYYY-MM-DD --days <n> [options]

Writes a simulated logger-profile machine into a raw database (its raw schema is created if missing;
the database itself must exist).
  --db <url>            postgres://… (binary COPY) or pglite:<dir>
  --start YYYY-MM-DD    first local day
  --days <n>            number of days (1-3660)
  --timezone <iana>     the machine's zone (default UTC)
  --seed <int>          same seed, same rows (default 1)
  --volume <x>          sampling-rate multiplier; 1 = benchmark size, ~360 k rows per working day (default 1)
  --machine-index <n>   a different machine for the same seed (default 0)
  --garbage <x>         garbage multiplier, 0 for none (default 1)
  --if-empty            do nothing (exit 0) when the database already has readings: a seed step
                        that may run again, like the demo-seed service of docker-compose.yml`;

class UsageError extends Error {}

function number(name: string, text: string | undefined, fallback: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(
      `--${name} must be ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** `pnpm raw simulate …`: exit 0 on success, 2 on bad arguments, 1 on failure. */
export async function simulateCommand(args: string[]): Promise<number> {
  let options: Parameters<typeof simulatePlant>[0];
  let ifEmpty: boolean;
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        db: { type: 'string' },
        start: { type: 'string' },
        days: { type: 'string' },
        timezone: { type: 'string' },
        seed: { type: 'string' },
        volume: { type: 'string' },
        'machine-index': { type: 'string' },
        garbage: { type: 'string' },
        'if-empty': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const missing = (['db', 'start', 'days'] as const).filter((name) => values[name] === undefined);
    if (missing.length > 0) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}`);
    options = {
      url: values.db as string,
      start: values.start as string,
      days: number('days', values.days, 0, true),
      timezone: values.timezone ?? 'UTC',
      seed: number('seed', values.seed, 1, true),
      volume: number('volume', values.volume, 1, false),
      machineIndex: number('machine-index', values['machine-index'], 0, true),
      garbageRate: number('garbage', values.garbage, 1, false),
    };
    if (!/^(postgres(ql)?:\/\/|pglite:.)/.test(options.url ?? '')) {
      throw new UsageError('--db must be a postgres://… or pglite:<dir> URL');
    }
    resolvePlantOptions(options);
    ifEmpty = values['if-empty'] ?? false;
  } catch (error) {
    return usageError((error as Error).message);
  }
  try {
    if (ifEmpty && (await hasReadings(options.url ?? ''))) {
      console.log(`${redactUrl(options.url ?? '')} already has readings: nothing simulated (--if-empty)`);
      return 0;
    }
  } catch (error) {
    console.error(`simulate: cannot read the database: ${databaseErrorLine(options.url ?? '', error)}`);
    return 1;
  }

  const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')} rows/s`;
  const count = (n: number) => n.toLocaleString('en-US');
  console.log(
    `simulating ${options.days} day(s) from ${options.start} (${options.timezone}), seed ${options.seed}, ` +
      `volume ${options.volume} into ${redactUrl(options.url ?? '')}`,
  );
  try {
    const summary = await simulatePlant({
      ...options,
      onDay: (d) =>
        console.log(
          `${d.day}  ${count(d.rows).padStart(9)} rows  (${count(d.floatRows)} float, ${count(d.stringRows)} string)  ` +
            `powered ${(d.poweredMs / 3_600_000).toFixed(1).padStart(4)} h  ${rate(d.rowsPerSecond)}`,
        ),
    });
    if (summary.method === 'bulk-copy') {
      console.log(
        `empty tables: loaded in one transaction, primary keys built in ${(summary.finishMs / 1000).toFixed(1)} s`,
      );
    }
    const g = summary.garbage;
    console.log(
      `done: ${count(summary.rows.total)} rows (${count(summary.rows.float)} float, ${count(summary.rows.string)} string) ` +
        `for ${Object.keys(summary.variables).length} variables in ${(summary.elapsedMs / 1000).toFixed(1)} s, ` +
        `${rate(summary.rowsPerSecond)} (${summary.method})`,
    );
    console.log(
      `garbage: ${g.nulls} NULL, ${g.infinities} ±Infinity, ${g.invalidJson} invalid JSON in ALARMS, ` +
        `${g.badAlarmElements} bad alarm elements, ${g.programOutOfRange} out-of-range PROG_STATUS`,
    );
    const n = summary.notable;
    console.log(
      `notable (valid): ${n.zeroTemperature} TEMPERATURA_BASE = 0, ${n.motorAbove100} motor > 100 %, ${n.motorBelow0} motor < 0 %`,
    );
    return 0;
  } catch (error) {
    if (error instanceof PlantOptionsError) return usageError(error.message);
    if (error instanceof SimulationConflictError) console.error(`simulate: ${error.message}`);
    else console.error(`simulate failed: ${databaseErrorLine(options.url ?? '', error)}`);
    return 1;
  }
}

function usageError(message: string): number {
  console.error(`simulate: ${message}\n\n${USAGE}`);
  return 2;
}

async function hasReadings(url: string): Promise<boolean> {
  const db = createDb<RawDatabase>(url, { max: 1 });
  try {
    await createRawSchema(db);
    const { rows } = await sql<{ found: boolean }>`
      select exists (select 1 from variable_log_float) or exists (select 1 from variable_log_string) as found
    `.execute(db);
    return rows[0]?.found ?? false;
  } finally {
    await db.destroy();
  }
}
