import { createDb, createRawSchema, parseDbUrl, type RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import type { GarbageCounts } from './garbage.ts';
import {
  type DayBatch,
  Plant,
  type PlantOptions,
  plantVariables,
  type ResolvedPlantOptions,
  resolvePlantOptions,
} from './plant.ts';
import type { NotableCounts } from './signals.ts';
import { bulkCopyWriter, copyWriter, type DayWriter, insertWriter, TablesNotEmptyError } from './writers.ts';

/** Where {@link simulatePlant} writes: a URL it opens (and closes), or an open database. */
export type SimulationTarget =
  | {
      /** `postgres://…` (written with binary COPY) or `pglite:<dir>` (set-based inserts). */
      url: string;
      db?: never;
    }
  | {
      /** An open raw database (set-based inserts); left open. */
      db: Kysely<RawDatabase>;
      url?: never;
    };

/** Reported after each day is written. */
export interface DayProgress {
  index: number;
  day: string;
  rows: number;
  floatRows: number;
  stringRows: number;
  poweredMs: number;
  /** Since the previous day was written: generation overlaps writing, so this is throughput. */
  elapsedMs: number;
  rowsPerSecond: number;
}

export type SimulatePlantOptions = PlantOptions &
  SimulationTarget & {
    onDay?: (progress: DayProgress) => void;
  };

/** What a simulation wrote: enough for a test to check the database against it. */
export interface SimulationSummary {
  options: Omit<ResolvedPlantOptions, 'schedule'>;
  /**
   * `bulk-copy`: empty tables, loaded in one transaction with the primary keys built at the end;
   * `copy`: binary COPY, a transaction per day; `insert`: set-based inserts, a transaction per day.
   */
  method: 'copy' | 'bulk-copy' | 'insert';
  /** Variable name → id, in the simulator's order. */
  variables: Record<string, number>;
  rows: { float: number; string: number; total: number };
  garbage: GarbageCounts;
  notable: NotableCounts;
  /** When the machine was powered (UTC epoch ms); outside these it is off (NaN / UNAVAILABLE). */
  powerPeriods: Array<{ on: number; off: number }>;
  /** [from, to) of the simulated local days, UTC epoch ms. */
  range: { from: number; to: number };
  /** Time after the last day (bulk-copy: building the primary keys and committing). */
  finishMs: number;
  elapsedMs: number;
  rowsPerSecond: number;
}

/** The target database already holds what the simulator would write, or disagrees with it. */
export class SimulationConflictError extends Error {
  override name = 'SimulationConflictError';
}

/**
 * Simulates a `logger`-profile machine and writes it into a raw database (creating the raw schema
 * if missing). Variables are matched by name (new ones get the next free ids); the period must
 * hold no rows of them yet. Days are generated while the previous one is written, so memory holds
 * at most two days.
 *
 * @example
 * const summary = await simulatePlant({
 *   url: 'postgres://postgres@127.0.0.1:5432/raw_bench',
 *   seed: 42, start: '2024-03-01', days: 30, timezone: 'Europe/Madrid',
 *   onDay: (d) => console.log(d.day, d.rows),
 * });
 * summary.garbage.invalidJson; // ALARMS rows that are not JSON
 */
export async function simulatePlant(options: SimulatePlantOptions): Promise<SimulationSummary> {
  const started = performance.now();
  // Bad options fail before any connection is opened.
  resolvePlantOptions(options);
  const owned = options.url !== undefined;
  const db = options.url !== undefined ? createDb<RawDatabase>(options.url, { max: 2 }) : options.db;
  let writer: DayWriter | null = null;
  try {
    await createRawSchema(db);
    const ids = await registerVariables(db);
    const plant = new Plant(options, (name) => ids.get(name) as number);
    const range = plant.range;
    await assertEmpty(db, [...ids.values()], range);
    writer = await openWriter(options, db);

    let writing: Promise<void> = Promise.resolve();
    let last = performance.now();
    const write = async (w: DayWriter, day: DayBatch) => {
      try {
        await w.write(day);
      } catch (error) {
        throw new Error(`writing ${day.day} failed: ${(error as Error).message}`, { cause: error });
      }
      const now = performance.now();
      const elapsedMs = now - last;
      last = now;
      options.onDay?.({
        index: day.index,
        day: day.day,
        rows: day.rows,
        floatRows: day.float.length,
        stringRows: day.string.length,
        poweredMs: day.poweredMs,
        elapsedMs,
        rowsPerSecond: elapsedMs > 0 ? Math.round((day.rows / elapsedMs) * 1000) : 0,
      });
    };
    for await (const day of plant.daysInterleaved()) {
      // One day in flight while the next is generated: overlap without unbounded buffering.
      await writing;
      writing = write(writer, day);
      // A failure is reported by the await above or below; this keeps it from counting as unhandled.
      writing.catch(() => {});
    }
    await writing;
    const finishing = performance.now();
    await writer.finish();
    const finishMs = performance.now() - finishing;

    const elapsedMs = performance.now() - started;
    const { schedule: _, ...rest } = plant.options;
    const total = plant.counts.floatRows + plant.counts.stringRows;
    return {
      options: rest,
      method: writer.method,
      variables: Object.fromEntries(ids),
      rows: { float: plant.counts.floatRows, string: plant.counts.stringRows, total },
      garbage: { ...plant.counts.garbage },
      notable: { ...plant.counts.notable },
      powerPeriods: plant.powerPeriods.map(({ on, off }) => ({ on, off })),
      range,
      finishMs,
      elapsedMs,
      rowsPerSecond: Math.round((total / elapsedMs) * 1000),
    };
  } finally {
    await writer?.close();
    if (owned) await db.destroy();
  }
}

async function openWriter(options: SimulatePlantOptions, db: Kysely<RawDatabase>): Promise<DayWriter> {
  if (options.url === undefined || parseDbUrl(options.url).kind !== 'postgres') return insertWriter(db);
  const { rows } = await sql<{ empty: boolean }>`
    select not exists (select 1 from variable_log_float) and not exists (select 1 from variable_log_string) as empty
  `.execute(db);
  if (!rows[0]?.empty) return copyWriter(options.url);
  try {
    return await bulkCopyWriter(options.url);
  } catch (error) {
    // Someone wrote between our check and our lock: their rows stay, we write around them.
    if (error instanceof TablesNotEmptyError) return copyWriter(options.url);
    throw error;
  }
}

/** Ids by name for the simulator's variables: existing ones reused, new ones inserted. */
async function registerVariables(db: Kysely<RawDatabase>): Promise<Map<string, number>> {
  const existing = await db.selectFrom('variable').select(['id', 'name', 'datatype']).execute();
  const byName = new Map(existing.map((v) => [v.name, v]));
  let nextId = existing.reduce((max, v) => Math.max(max, v.id), 0) + 1;
  const ids = new Map<string, number>();
  const added: Array<{ id: number; name: string; datatype: string }> = [];
  const problems: string[] = [];
  for (const variable of plantVariables()) {
    const found = byName.get(variable.name);
    if (found && found.datatype !== variable.datatype) {
      problems.push(
        `${variable.name} exists as ${found.datatype}, the simulator writes ${variable.datatype}`,
      );
    }
    const id = found?.id ?? nextId++;
    if (!found) added.push({ id, name: variable.name, datatype: variable.datatype });
    ids.set(variable.name, id);
  }
  if (problems.length > 0) throw new SimulationConflictError(problems.join('; '));
  if (added.length > 0) await db.insertInto('variable').values(added).execute();
  return ids;
}

async function assertEmpty(
  db: Kysely<RawDatabase>,
  ids: number[],
  range: { from: number; to: number },
): Promise<void> {
  for (const table of ['variable_log_float', 'variable_log_string'] as const) {
    const { rows } = await sql<{ found: boolean }>`
      select exists (
        select 1 from ${sql.table(table)}
        where id_var = any(${ids}::int4[]) and date >= ${range.from} and date < ${range.to}
      ) as found
    `.execute(db);
    if (rows[0]?.found) {
      throw new SimulationConflictError(
        `${table} already has rows of the simulated variables between ${new Date(range.from).toISOString()} and ` +
          `${new Date(range.to).toISOString()}: simulate into a fresh database or another period`,
      );
    }
  }
}
