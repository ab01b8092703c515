import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiConfig } from '@mm/api-core';
import { addDays, daysBetween, localDay } from '@mm/calendar';
import { createLogger, type Logger, loadEnvConfig, type Machine } from '@mm/config';
import { type AggDatabase, migrateToLatest, parseDbUrl } from '@mm/db';
import { etlTables } from '@mm/etl';
import type { Kysely } from 'kysely';
import { ADMIN_FILE, type DemoAdmin, demoAdminCredentials } from './admin-credentials.ts';
import { type BackfillDemoResult, backfillDemo, seconds } from './backfill-demo.ts';
import { LOCK_FILE, lockDataDir } from './data-dir-lock.ts';
import { DemoDatabases } from './demo-databases.ts';
import { demoMachinesFile, MAZAK_ID, PRESS_ID } from './demo-machines.ts';
import { type DemoSettings, demoServedEnv } from './demo-settings.ts';
import { type DemoQueues, drainDemoQueues, startDemoQueues } from './queue-demo.ts';
import { readSeedMarker, type SeedMarker, seedFingerprint, writeSeedMarker } from './seed-marker.ts';
import { clearRawDatabase, seedNistMachine, seedSimulatedMachine } from './seed-raw.ts';

/** Marks a directory as the demo's own, so `--reset` and a re-seed never wipe anything else. */
export const DATA_DIR_SENTINEL = '.mm-demo';
export const MACHINES_FILE = 'machines.json';
/** The product's JSON log lines, out of the demo's human text. */
export const LOG_FILE = 'demo.log';

/** Files of the data directory that are not data: never wiped (a re-seed keeps the sign-in and the log). */
const kept = new Set([DATA_DIR_SENTINEL, LOCK_FILE, ADMIN_FILE, LOG_FILE]);

/** The data directory exists, holds other files, and is not the demo's: it is never wiped. */
export class ForeignDataDirError extends Error {
  override name = 'ForeignDataDirError';
}

export interface PrepareDemoOptions {
  /** Environment for `@mm/config` (CORS_ORIGINS, ADMIN_*, LOG_LEVEL…); `process.env` by default. */
  env?: Record<string, string | undefined>;
  /** Wipe the data directory first. */
  reset?: boolean;
  /** User-facing progress lines. */
  report?: (line: string) => void;
  /**
   * The process's root logger; by default one from the configuration (level `warn` unless LOG_LEVEL
   * says otherwise) appending to {@link LOG_FILE} in the data directory.
   */
  logger?: Logger;
  /** Now, for "yesterday" (epoch ms). */
  now?: () => number;
  /** The scheduler's tick when the demo runs through the queues (seconds). */
  planEverySeconds?: number;
  /** Told as soon as the queue layer runs, so a Ctrl-C during the seed can still stop its worker. */
  onQueues?: (queues: DemoQueues) => void;
}

/** A prepared demo: configuration, open databases (seeded and aggregated) and the logger. */
export interface DemoRuntime {
  config: ApiConfig;
  dbs: DemoDatabases;
  logger: Logger;
  /** The data was already there: nothing was seeded this time. */
  reused: boolean;
  /** The admin sign-in (Bull Board, re-queueing): the environment's, or the demo's own. */
  admin: DemoAdmin;
  /** Where the product's JSON log lines go (null when the caller passed its own logger). */
  logFile: string | null;
  marker: SeedMarker;
  /**
   * The queue layer (scheduler and one worker) running in this process when Redis answered; `null`
   * when the ETLs ran in process without Redis.
   */
  queues: DemoQueues | null;
  /** Stops the scheduler and the worker (the running job finishes), then closes every database. */
  close(): Promise<void>;
}

/**
 * Gets the demo's data ready, then leaves the databases open for the API (PGlite is single-process,
 * so the seeder, the ETLs and the API share one instance per database). The first time (or when the
 * seed marker is missing or was written for other settings): writes the machines file, migrates the
 * aggregation database, seeds each machine's raw database (simulated `press-07`; `mazak01` from the
 * NIST logs when present), runs all five ETLs over every day, and writes the marker last. A seed that
 * did not finish has no marker, so the next start wipes it and seeds again.
 *
 * @example
 * const demo = await prepareDemo(demoSettingsFromEnv(process.env), { report: console.log });
 * demo.reused; // false the first time, true afterwards
 * await demo.close();
 */
export async function prepareDemo(
  settings: DemoSettings,
  options: PrepareDemoOptions = {},
): Promise<DemoRuntime> {
  claimDataDir(settings.dataDir);
  // Before anything is read or wiped: a second demo on the same folder must not touch it.
  const lock = lockDataDir(settings.dataDir);
  try {
    const demo = await prepareLockedDemo(settings, options);
    return {
      ...demo,
      close: async () => {
        try {
          await demo.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function prepareLockedDemo(settings: DemoSettings, options: PrepareDemoOptions): Promise<DemoRuntime> {
  const started = performance.now();
  const report = options.report ?? (() => {});
  const env = options.env ?? process.env;
  const dataDir = settings.dataDir;
  if (options.reset) wipeDataDir(dataDir);

  const machinesFile = demoMachinesFile(settings);
  const fingerprint = seedFingerprint({
    aggDatabaseUrl: settings.aggDatabaseUrl,
    // Which machine answers v1 dashboards changes no data: switching it reuses the seed.
    machines: demoMachinesFile({ ...settings, v1Machine: null }).machines,
    days: settings.days,
    volume: settings.volume,
    seed: settings.seed,
    lastDay: settings.lastDay,
  });
  const machinesPath = join(dataDir, MACHINES_FILE);
  const machinesText = `${JSON.stringify(machinesFile, null, 2)}\n`;
  // Validated (with the rest of the environment: CORS_ORIGINS, ADMIN_*, REDIS_URL, LOG_LEVEL…)
  // before anything is wiped. The admin surface is on in the demo: with the environment's
  // credentials, else with its own.
  const admin = demoAdminCredentials(env, dataDir);
  const config: ApiConfig & { redisUrl: string } = loadEnvConfig(
    {
      ...env,
      ADMIN_USER: admin.user,
      ADMIN_PASSWORD: admin.password,
      AGG_DATABASE_URL: settings.aggDatabaseUrl,
      MACHINES_FILE: machinesPath,
    },
    // The demo resolved its own paths (see demo-settings.ts); nothing left to resolve elsewhere.
    demoServedEnv,
    { readFile: () => machinesText, cwd: process.cwd() },
  );
  const { redisUrl } = config;
  const previous = readSeedMarker(dataDir);
  const reuse =
    previous?.fingerprint === fingerprint &&
    existsSync(machinesPath) &&
    [config.aggDatabaseUrl, ...config.machines.map((m) => m.rawDatabaseUrl)].every(pgliteDirExists);
  if (!reuse) {
    if (previous !== null) {
      report('The demo settings changed since the last seed: seeding again from scratch.');
    } else if (readdirSync(dataDir).some((f) => !kept.has(f))) {
      report('An earlier seed did not finish: seeding again from scratch.');
    }
    wipeDataDir(dataDir);
  }
  // Not read by the demo (its configuration is above); there for `pnpm etl` or the API on the same data.
  writeFileSync(machinesPath, machinesText);

  const logFile = options.logger ? null : join(dataDir, LOG_FILE);
  const logger =
    options.logger ??
    createLogger({
      app: 'demo',
      level: config.logLevel,
      // Written at once: the demo exits right after its last line, and the lines are few (warnings).
      destination: { write: (line: string) => appendFileSync(logFile as string, line) },
    });
  const opening = performance.now();
  const dbs = await DemoDatabases.open(config.aggDatabaseUrl, config.machines);
  let queues: DemoQueues | null = null;
  const close = async () => {
    await queues?.close();
    await dbs.destroy();
  };
  const startQueues = (fresh: boolean) =>
    startDemoQueues({
      redisUrl,
      dataDir,
      aggDb: dbs.agg,
      machines: config.machines,
      rawDb: (m) => dbs.rawDb(m),
      logger,
      fresh,
      report,
      ...(options.planEverySeconds ? { planEverySeconds: options.planEverySeconds } : {}),
    });
  try {
    // The demo owns its aggregation database, so it keeps its schema current on every start.
    await migrateToLatest(dbs.agg);
    if (reuse && previous) {
      await dbs.lockRawDatabases();
      report(
        `Reusing the data seeded ${previous.seededAt} in ${dataDir} (databases opened in ${seconds(performance.now() - opening)}; ` +
          '`pnpm start -- --reset` seeds again).',
      );
      // The scheduler keeps the data current from here (nothing is due on a finished seed but partial days).
      queues = (await startQueues(false))?.queues ?? null;
      return { config, dbs, logger, reused: true, admin, logFile, marker: previous, queues, close };
    }

    report(`Seeding ${dataDir} (databases opened in ${seconds(performance.now() - opening)}).`);
    const seedStarted = performance.now();
    await forgetDemoAggregates(
      dbs.agg,
      config.machines.map((m) => m.id),
    );
    for (const machine of config.machines) await seedMachine(machine, settings, dbs, report, options.now);
    await dbs.lockRawDatabases();
    const seedMs = performance.now() - seedStarted;

    report(`Aggregating: all five ETLs for every day of each machine.`);
    const layer = await startQueues(true);
    queues = layer?.queues ?? null;
    if (queues) options.onQueues?.(queues);
    const backfill = layer
      ? await aggregateThroughQueues(layer, dbs.agg, config.machines, report)
      : await backfillDemo({
          aggDb: dbs.agg,
          machines: config.machines,
          rawDb: (m) => dbs.rawDb(m),
          report,
          logger,
        });
    for (const failure of backfill.failures) report(`  FAILED ${failure}`);
    const totalMs = performance.now() - started;
    const marker: SeedMarker = {
      fingerprint,
      seededAt: new Date().toISOString(),
      machines: backfill.machines.map((m) => ({
        id: m.id,
        firstDay: m.days[0] ?? null,
        lastDay: m.days.at(-1) ?? null,
        days: m.days.length,
      })),
      timings: {
        seedMs: Math.round(seedMs),
        backfillMs: Math.round(backfill.ms),
        totalMs: Math.round(totalMs),
      },
    };
    writeSeedMarker(dataDir, marker);
    report(
      `Seeded and aggregated in ${seconds(totalMs)} (raw data ${seconds(seedMs)}, ETLs ${seconds(backfill.ms)}: ` +
        `${backfill.rowsRead.toLocaleString('en')} raw rows read, ${backfill.rowsWritten.toLocaleString('en')} rows written` +
        `${backfill.failures.length > 0 ? `, ${backfill.failures.length} slices FAILED` : ''}).`,
    );
    return { config, dbs, logger, reused: false, admin, logFile, marker, queues, close };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}

/**
 * The seed's aggregation through the queues: the scheduler's first plan, drained by the worker. Days
 * and row counts come from the run ledger, in the shape of {@link backfillDemo}'s result.
 */
async function aggregateThroughQueues(
  started: NonNullable<Awaited<ReturnType<typeof startDemoQueues>>>,
  agg: Kysely<AggDatabase>,
  machines: readonly Machine[],
  report: (line: string) => void,
): Promise<BackfillDemoResult> {
  const ids = machines.map((m) => m.id);
  const drained = await drainDemoQueues({
    etl: started.etl,
    firstPlan: started.firstPlan,
    aggDb: agg,
    machineIds: ids,
    report,
  });
  const rows = await agg
    .selectFrom('etl_runs')
    .select((eb) => [
      'machine_id',
      eb.fn.min('day').as('first'),
      eb.fn.max('day').as('last'),
      eb.fn.count<string>('day').distinct().as('days'),
      eb.fn.sum<string>('rows_read').as('read'),
      eb.fn.sum<string>('rows_written').as('written'),
    ])
    .where('machine_id', 'in', ids)
    .groupBy('machine_id')
    .execute();
  const byMachine = new Map(rows.map((r) => [r.machine_id, r]));
  return {
    machines: machines.map((m) => {
      const r = byMachine.get(m.id);
      return { id: m.id, days: r ? daysBetween(String(r.first), String(r.last)) : [] };
    }),
    rowsRead: rows.reduce((n, r) => n + Number(r.read ?? 0), 0),
    rowsWritten: rows.reduce((n, r) => n + Number(r.written ?? 0), 0),
    failures: drained.failures,
    ms: drained.ms,
  };
}

async function seedMachine(
  machine: Machine,
  settings: DemoSettings,
  dbs: DemoDatabases,
  report: (line: string) => void,
  now: (() => number) | undefined,
): Promise<void> {
  const target = dbs.writeTarget(machine);
  await clearRawDatabase(target);
  if (machine.id === PRESS_ID) {
    const lastDay = settings.lastDay ?? addDays(localDay(now?.() ?? Date.now(), machine.timezone), -1);
    report(
      `${machine.id}: simulating ${settings.days} days of a logger-profile machine ending ${lastDay} ` +
        `(${machine.timezone}, volume ${settings.volume}, seed ${settings.seed})`,
    );
    const result = await seedSimulatedMachine(
      target,
      {
        lastDay,
        days: settings.days,
        timezone: machine.timezone,
        volume: settings.volume,
        seed: settings.seed,
      },
      report,
    );
    report(`  ${result.rows.toLocaleString('en')} raw rows in ${seconds(result.ms)}`);
  } else if (machine.id === MAZAK_ID && settings.nistDir !== null) {
    report(`${machine.id}: importing the NIST SMS Test Bed MTConnect logs from ${settings.nistDir}`);
    const result = await seedNistMachine(target, settings.nistDir, report);
    report(`  ${result.rows.toLocaleString('en')} raw rows in ${seconds(result.ms)}`);
  }
}

// On a PostgreSQL aggregation database, rows of an earlier demo seed would outlive this one (the ETLs
// replace only the days they run). The demo's machine ids are its own: clear them.
async function forgetDemoAggregates(agg: Kysely<AggDatabase>, machineIds: string[]): Promise<void> {
  await agg.transaction().execute(async (trx) => {
    for (const table of [...etlTables, 'etl_runs'] as const) {
      await trx.deleteFrom(table).where('machine_id', 'in', machineIds).execute();
    }
  });
}

// A PGlite directory deleted by hand would open as an empty database, and `pglite:memory` is empty
// on every start: neither holds a reusable seed.
function pgliteDirExists(url: string): boolean {
  const target = parseDbUrl(url);
  return target.kind === 'postgres' || (target.dataDir !== null && existsSync(target.dataDir));
}

/** Creates the data directory with its sentinel, or checks that an existing one is the demo's. */
function claimDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  const entries = readdirSync(dataDir);
  if (entries.includes(DATA_DIR_SENTINEL)) return;
  if (entries.length > 0) {
    throw new ForeignDataDirError(
      `${dataDir} holds files the demo did not write; choose another DEMO_DATA_DIR (the demo wipes its own).`,
    );
  }
  writeFileSync(
    join(dataDir, DATA_DIR_SENTINEL),
    'Data of `pnpm start` (apps/demo); `pnpm start -- --reset` wipes it.\n',
  );
}

/** Removes the demo's data: everything but the sentinel and the lock. */
function wipeDataDir(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  const entries = readdirSync(dataDir);
  if (entries.length > 0 && !entries.includes(DATA_DIR_SENTINEL)) {
    throw new ForeignDataDirError(`${dataDir} is not the demo's data directory: refusing to wipe it.`);
  }
  for (const entry of entries) {
    if (!kept.has(entry)) rmSync(join(dataDir, entry), { recursive: true, force: true });
  }
}
