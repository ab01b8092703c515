// The benchmark's raw database: a simulated `logger`-profile plant, built once per (seed, days) and
// kept between runs. A small `bench_meta` table records what was simulated and how many rows it
// wrote; a database whose meta and row count match is reused as is.
import { createDb, type RawDatabase } from '@mm/db';
import { simulatePlant } from '@mm/raw';
import { type Kysely, sql } from 'kysely';

export interface PlantSpec {
  seed: number;
  days: number;
  start: string;
  timezone: string;
}

export interface PlantDb {
  name: string;
  url: string;
  rows: number;
  /** Milliseconds spent simulating and writing; 0 when a cached database was reused. */
  buildMs: number;
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Returns the plant database for `spec`, building it (simulate, COPY, VACUUM ANALYZE) unless a
 * matching one exists or `rebuild` is set.
 */
export async function ensurePlantDb(
  adminUrl: string,
  spec: PlantSpec,
  options: { rebuild: boolean; log: (line: string) => void },
): Promise<PlantDb> {
  const name = `mm_bench_raw_${spec.seed}_${spec.days}`;
  const url = withDatabase(adminUrl, name);
  const admin = createDb<object>(adminUrl, { max: 1 });
  try {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_database where datname = ${name}`.execute(admin);
    if (rows[0]?.n === 1 && !options.rebuild) {
      const cached = await cachedRows(url, spec);
      if (cached !== null) {
        options.log(`raw database ${name}: cached, ${cached.toLocaleString('en-US')} rows`);
        return { name, url, rows: cached, buildMs: 0 };
      }
      options.log(`raw database ${name}: stale or incomplete, rebuilding`);
    }
    await sql.raw(`drop database if exists ${name} with (force)`).execute(admin);
    await sql.raw(`create database ${name}`).execute(admin);
  } finally {
    await admin.destroy();
  }

  options.log(`raw database ${name}: simulating ${spec.days} days (seed ${spec.seed}, ${spec.timezone})`);
  const started = performance.now();
  const summary = await simulatePlant({
    url,
    seed: spec.seed,
    start: spec.start,
    days: spec.days,
    timezone: spec.timezone,
    onDay: (d) => {
      if (d.index % 5 === 0 || d.index === spec.days - 1)
        options.log(
          `  ${d.day}: ${d.rows.toLocaleString('en-US')} rows (${d.rowsPerSecond.toLocaleString('en-US')} rows/s)`,
        );
    },
  });
  const db = createDb<object>(url, { max: 1 });
  try {
    // A logger's database is autovacuumed: the visibility map (index-only scans) and planner
    // statistics are what a real one has.
    await sql`vacuum analyze`.execute(db);
    await sql`create table bench_meta (spec jsonb not null, rows bigint not null)`.execute(db);
    await sql`insert into bench_meta values (${JSON.stringify(spec)}::jsonb, ${summary.rows.total})`.execute(
      db,
    );
  } finally {
    await db.destroy();
  }
  const buildMs = performance.now() - started;
  options.log(
    `raw database ${name}: ${summary.rows.total.toLocaleString('en-US')} rows in ${(buildMs / 1000).toFixed(1)} s`,
  );
  return { name, url, rows: summary.rows.total, buildMs };
}

async function cachedRows(url: string, spec: PlantSpec): Promise<number | null> {
  const db: Kysely<RawDatabase & { bench_meta: { spec: PlantSpec; rows: number } }> = createDb(url, {
    max: 1,
  });
  try {
    const meta = await db
      .selectFrom('bench_meta')
      .select(['spec', 'rows'])
      .executeTakeFirst()
      .catch(() => undefined);
    const same = (a: PlantSpec, b: PlantSpec) =>
      a.seed === b.seed && a.days === b.days && a.start === b.start && a.timezone === b.timezone;
    if (!meta || !same(meta.spec, spec)) return null;
    const { rows } = await sql<{ n: number }>`
      select (select count(*) from variable_log_float) + (select count(*) from variable_log_string) as n`.execute(
      db,
    );
    return Number(rows[0]?.n) === Number(meta.rows) ? Number(meta.rows) : null;
  } finally {
    await db.destroy();
  }
}
