// `pnpm bench etl [--days 30] [--seed 42] [--rebuild] [--row-days 2] [--repeat 1]`
//
// Times a full backfill of every registered ETL through runEtl (the CLI's run loop, at concurrency 1
// and 2) over a simulated plant-sized `logger` machine, against the practical ceiling: the same
// five aggregates as one plain SQL statement each over the whole range (jit off, into temp tables).
// Optionally times the row-by-row design (pull rows into Node, aggregate in JS, upsert row by row)
// on a few days and extrapolates. The last line is
//   etl backfill / sql baseline: <ratio>x (<raw rows per second> raw rows/s)
// with the ratio at concurrency 1 and the backfill's raw rows per second. `--repeat N` runs N rounds,
// each the baseline then the backfills, back to back; the ratio is the median over the rounds of
// each round's own ratio, so a burst of load on the shared machine meets both sides of a ratio
// alike or one round only, and the times shown are each design's median.
//
// BENCH_DATABASE_URL is an admin login to the PostgreSQL server (default the local trust user). The
// raw database mm_bench_raw_<seed>_<days> is kept for the next run; aggregation databases are
// created per run and dropped.
import { parseArgs } from 'node:util';
import { daysBetween, localDay } from '@mm/calendar';
import { builtInProfiles, type Machine } from '@mm/config';
import { type AggDatabase, createDb, migrateToLatest, type RawDatabase } from '@mm/db';
import { type Kysely, sql } from 'kysely';
import { type BackfillSummary, backfill } from '../src/cli/backfill.ts';
import { registeredEtls } from '../src/cli/cli.ts';
import { dataSpan } from '../src/data-span.ts';
import type { EtlId } from '../src/etl.ts';
import { registry } from '../src/registry.ts';
import { resolveRoles } from '../src/roles.ts';
import { runEtls } from '../src/runner.ts';
import { SignalCatalog } from '../src/signal-catalog.ts';
import { ensurePlantDb, withDatabase } from './plant-db.ts';
import { rowByRow } from './row-by-row.ts';
import { type BaselineTotals, runSqlBaseline } from './sql-baseline.ts';
import { purposeOf, StatementProfiler } from './statement-profiler.ts';

const say = (line = '') => process.stdout.write(`${line}\n`);
const fail = (message: string): never => {
  process.stderr.write(
    `bench etl: ${message}\nusage: pnpm bench etl [--days N] [--seed N] [--rebuild] [--row-days N] [--repeat N]\n`,
  );
  process.exit(2);
};

let flags: {
  days: string;
  seed: string;
  rebuild: boolean;
  'row-days': string;
  repeat: string;
  start: string;
  timezone: string;
};
try {
  flags = parseArgs({
    options: {
      days: { type: 'string', default: '30' },
      seed: { type: 'string', default: '42' },
      rebuild: { type: 'boolean', default: false },
      'row-days': { type: 'string', default: '2' },
      repeat: { type: 'string', default: '1' },
      start: { type: 'string', default: '2024-03-04' },
      timezone: { type: 'string', default: 'Europe/Madrid' },
    },
    strict: true,
  }).values as typeof flags;
} catch (error) {
  fail((error as Error).message);
}
const int = (name: string, value: string, min: number) => {
  if (!/^\d+$/.test(value) || Number(value) < min) fail(`--${name} must be a whole number >= ${min}`);
  return Number(value);
};
const spec = {
  seed: int('seed', flags!.seed, 0),
  days: int('days', flags!.days, 1),
  start: flags!.start,
  timezone: flags!.timezone,
};
const rowDays = int('row-days', flags!['row-days'], 0);
const repeat = int('repeat', flags!.repeat, 1);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const machine: Machine = {
  id: 'bench-press',
  name: 'Bench press (simulated)',
  rawDatabaseUrl: 'postgres://set-below',
  timezone: spec.timezone,
  profileName: 'logger',
  profile: builtInProfiles.logger,
};
const etls = registeredEtls();
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const perSecond = (rows: number, ms: number) => Math.round((rows / ms) * 1000);
const n = (x: number) => x.toLocaleString('en-US');

const plant = await ensurePlantDb(adminUrl, spec, { rebuild: flags!.rebuild, log: say });
machine.rawDatabaseUrl = plant.url;
const raw = createDb<RawDatabase>(plant.url, { readOnly: true, max: 4, applicationName: 'bench-etl' });
const catalog = await SignalCatalog.load(raw);
const span = await dataSpan(raw, resolveRoles(machine, catalog), catalog);
if (!span) fail(`${plant.name} holds no data for the logger profile`);
const days = daysBetween(localDay(span!.first, spec.timezone), localDay(span!.last, spec.timezone));
say(`machine: logger profile, ${spec.timezone}, ${days.length} days ${days[0]} .. ${days.at(-1)}`);
say(`raw rows: ${n(plant.rows)} (${n(Math.round(plant.rows / days.length))} per day on average)`);

// A warm cache, as the baseline figures assume: read both tables and their indexes once.
await sql`select count(*) from variable_log_float`.execute(raw);
await sql`select count(*) from variable_log_string`.execute(raw);
await sql`select count(*) from (select id_var, date from variable_log_float order by id_var, date) as i`.execute(
  raw,
);

// (b) The SQL baseline, in a read-write transaction of its own (its temp tables drop on commit).
type Baseline = Awaited<ReturnType<typeof runSqlBaseline>>;
const total = (b: Baseline) => b.timings.reduce((sum, t) => sum + t.ms, 0);
async function timedBaseline(): Promise<Baseline> {
  const db = createDb<object>(plant.url, { max: 1, applicationName: 'bench-etl-baseline' });
  try {
    return await db.transaction().execute((trx) => runSqlBaseline(trx, machine, catalog, days, span!.last));
  } finally {
    await db.destroy();
  }
}

// (a) The ETL backfill through runEtl into fresh aggregation databases.
const aggDatabases: string[] = [];
async function freshAgg(tag: string): Promise<Kysely<AggDatabase>> {
  const name = `mm_bench_agg_${process.pid}_${tag}`;
  const admin = createDb<object>(adminUrl, { max: 1 });
  await sql.raw(`drop database if exists ${name} with (force)`).execute(admin);
  await sql.raw(`create database ${name}`).execute(admin);
  await admin.destroy();
  aggDatabases.push(name);
  const db = createDb<AggDatabase>(withDatabase(adminUrl, name), { max: 4, applicationName: 'bench-etl' });
  await migrateToLatest(db);
  return db;
}

async function timedBackfill(concurrency: number, attempt: number, profiler?: StatementProfiler) {
  const agg = await freshAgg(`c${concurrency}_${attempt}`);
  const rawDb = profiler ? raw.withPlugin(profiler) : raw;
  const aggDb = profiler ? agg.withPlugin(profiler) : agg;
  const started = performance.now();
  const summary = await backfill(
    { machines: [machine], etls, from: null, to: null, concurrency },
    {
      aggDb,
      rawDb: () => rawDb,
      // The day's statements are labelled `day`; a slice's, from its extract on, by its ETL.
      runEtls: profiler
        ? (input) => {
            profiler.label = 'day';
            return runEtls(input);
          }
        : runEtls,
    },
  );
  const ms = performance.now() - started;
  if (summary.failures.length > 0)
    fail(`the backfill failed: ${summary.failures.map((f) => `${f.etl} ${f.day} ${f.error}`).join('; ')}`);
  return { ms, summary, agg, stats: profiler?.stats() ?? [] };
}

// The designs take turns within a round, so a burst of load hits the two sides of a round's ratio
// alike; the median over rounds then drops a round that a burst hit unevenly.
type Run = Awaited<ReturnType<typeof timedBackfill>>;
interface Round {
  baseline: Baseline;
  c1: Omit<Run, 'agg'>;
  c2ms: number;
  ratio: number;
}
const rounds: Round[] = [];
// Every backfill writes the same rows; the first one's database is kept for the cross-check.
let checked: Kysely<AggDatabase> | undefined;
for (let attempt = 0; attempt < repeat; attempt++) {
  const baseline = await timedBaseline();
  const c1 = await timedBackfill(1, attempt);
  const c2 = await timedBackfill(2, attempt);
  if (checked) await c1.agg.destroy();
  else checked = c1.agg;
  await c2.agg.destroy();
  rounds.push({ baseline, c1, c2ms: c2.ms, ratio: c1.ms / total(baseline) });
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const ratio = median(rounds.map((r) => r.ratio));
// The breakdowns below come from the round whose ratio is nearest the median.
const typical = rounds.reduce((a, b) => (Math.abs(b.ratio - ratio) < Math.abs(a.ratio - ratio) ? b : a));
const baseline = typical.baseline;
const baselineMs = median(rounds.map((r) => total(r.baseline)));
const c1Ms = median(rounds.map((r) => r.c1.ms));
const c2Ms = median(rounds.map((r) => r.c2ms));
const c1 = typical.c1;
if (!checked) throw new Error('unreachable: --repeat is at least 1');
// The statement breakdown comes from one more run, the same path with every statement timed (which
// costs a little), so it is not timed itself. Each ETL's extract sets the label its statements get.
const profiler = new StatementProfiler();
const unprofiled = { ...registry };
for (const etl of etls as EtlId[]) {
  const original = unprofiled[etl];
  registry[etl] = {
    ...original,
    extract: (context) => {
      profiler.label = etl;
      return original.extract(context);
    },
  };
}
const profiled = await timedBackfill(1, repeat, profiler);
Object.assign(registry, unprofiled);
await profiled.agg.destroy();

// (c) Row by row on a few days, extrapolated by raw rows.
let rowByRowResult: { ms: number; rawRows: number; days: number; agrees: string } | null = null;
if (rowDays > 0) {
  const agg = await freshAgg('rbr');
  const sample = days.slice(0, Math.min(rowDays, days.length));
  rowByRowResult = {
    ...(await rowByRow(raw, agg, machine, catalog, sample, span!.last)),
    days: sample.length,
    agrees: await sameTotals(agg, checked, sample),
  };
  await agg.destroy();
}

const rawRows = plant.rows;
say();
say(`${'design'.padEnd(40)}${'time'.padStart(10)}${'raw rows/s'.padStart(14)}${'vs baseline'.padStart(13)}`);
const line = (label: string, ms: number) =>
  say(
    `${label.padEnd(40)}${s(ms).padStart(10)}${n(perSecond(rawRows, ms)).padStart(14)}${`${(ms / baselineMs).toFixed(2)}x`.padStart(13)}`,
  );
line('sql baseline (1 statement per aggregate)', baselineMs);
line('etl backfill, concurrency 1', c1Ms);
line('etl backfill, concurrency 2', c2Ms);
if (rowByRowResult) {
  const extrapolated = (rowByRowResult.ms * rawRows) / Math.max(1, rowByRowResult.rawRows);
  line(`row by row (${rowByRowResult.days} days, extrapolated)`, extrapolated);
  say(`  (row by row vs etl on those days: ${rowByRowResult.agrees})`);
}

say();
say('per aggregate (concurrency 1; slice time, without the per-day snapshot shared by all five):');
const etlShare = c1.summary.perEtl;
const etlTotal = Object.values(etlShare).reduce((sum, e) => sum + e.durationMs, 0);
for (const etl of etls) {
  const b = baseline.timings.find((t) => t.name === etl);
  const e = etlShare[etl]!;
  say(
    `  ${etl.padEnd(18)} etl ${s(e.durationMs).padStart(8)} (${Math.round((e.durationMs / etlTotal) * 100)
      .toString()
      .padStart(
        2,
      )}%)   sql ${b ? s(b.ms).padStart(8) : '       -'}   ${b ? `${(e.durationMs / b.ms).toFixed(2)}x` : ''}`,
  );
}
const slices = c1.summary.slicesOk;
say(`  ${slices} slices, ${s(c1.ms / slices)} per slice on average`);

say();
say('statements by total time (concurrency 1), top 12:');
const stats = profiled.stats;
const statTotal = stats.reduce((sum, x) => sum + x.ms, 0);
for (const stat of stats.slice(0, 12)) {
  say(
    `  ${s(stat.ms).padStart(8)} ${`${Math.round((stat.ms / statTotal) * 100)}%`.padStart(4)} ${String(stat.calls).padStart(5)}x  ${stat.label.padEnd(16)} ${stat.statement.slice(0, 90)}`,
  );
}

say();
say('where the profiled concurrency-1 backfill spends its time, by purpose:');
const purposes = new Map<string, number>();
for (const stat of stats)
  purposes.set(purposeOf(stat.statement), (purposes.get(purposeOf(stat.statement)) ?? 0) + stat.ms);
// Begin/commit, pool and JS: the profiled run's own time minus its statements.
purposes.set('outside statements (begin, commit, pool, JS)', Math.max(0, profiled.ms - statTotal));
for (const [purpose, ms] of [...purposes].sort((a, b) => b[1] - a[1])) {
  say(`  ${s(ms).padStart(8)} ${`${Math.round((ms / profiled.ms) * 100)}%`.padStart(4)}  ${purpose}`);
}

say();
say('cross-check, etl vs sql baseline over the whole range:');
await crossCheck(checked, baseline.totals, c1.summary);

await Promise.all([checked.destroy(), raw.destroy()]);
const admin = createDb<object>(adminUrl, { max: 1 });
for (const name of aggDatabases) await sql.raw(`drop database if exists ${name} with (force)`).execute(admin);
await admin.destroy();

say();
if (rounds.length > 1) {
  say(
    `per round (sql baseline, etl c=1, ratio): ${rounds.map((r) => `${s(total(r.baseline))} ${s(r.c1.ms)} ${r.ratio.toFixed(2)}x`).join('; ')}`,
  );
}
say(`etl backfill / sql baseline: ${ratio.toFixed(2)}x (${perSecond(rawRows, c1Ms)} raw rows/s)`);

async function crossCheck(agg: Kysely<AggDatabase>, b: BaselineTotals, summary: BackfillSummary) {
  const one = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(agg)).rows[0]!;
  const sensor = await one(
    sql<{ hours: number; readings: number }>`
      select count(*)::int as hours, coalesce(sum(readings_count), 0)::bigint as readings from agg_sensor_stats`,
  );
  const activity = await one(
    sql<{ running: number; unplanned: number }>`
      select coalesce(sum(running_seconds), 0) as running, coalesce(sum(unplanned_down_seconds), 0) as unplanned
      from agg_machine_activity_daily`,
  );
  const programs = await one(
    sql<{ seconds: number; rows: number }>`
      select coalesce(sum(duration_seconds), 0)::bigint as seconds, count(*)::int as rows from machine_program_data`,
  );
  const alerts = await sql<{ alert_type: string; n: number }>`
    select alert_type, sum(amount)::int as n from alerts_daily_count group by 1 order by 1`.execute(agg);
  const energy = await one(
    sql<{ hours: number; kwh: number }>`
      select count(*)::int as hours, coalesce(sum(energy_kwh), 0) as kwh from energy_consumption_hourly`,
  );
  const row = (what: string, etl: number, sqlValue: number, tolerance: number) => {
    const diff = Math.abs(etl - sqlValue);
    const ok = diff <= tolerance;
    say(
      `  ${what.padEnd(28)} etl ${n(Math.round(etl * 1000) / 1000).padStart(14)}  sql ${n(Math.round(sqlValue * 1000) / 1000).padStart(14)}  ${ok ? 'ok' : `DIFFERS by ${n(Math.round(diff * 1000) / 1000)}`}`,
    );
  };
  row('sensor hours', sensor.hours, b.sensorHours, 0);
  row('sensor readings', Number(sensor.readings), b.sensorReadings, 0);
  row('running seconds', activity.running, b.runningSeconds, 0.001);
  row('unplanned down seconds', activity.unplanned, b.unplannedSeconds, 0.001);
  // Each (day, program) row is rounded to whole seconds.
  row('program seconds', Number(programs.seconds), b.programSeconds, programs.rows * 0.5 + 0.001);
  for (const type of ['emergency', 'error', 'warning', 'other']) {
    row(`alerts ${type}`, alerts.rows.find((r) => r.alert_type === type)?.n ?? 0, b.alerts[type] ?? 0, 0);
  }
  row('energy hours', energy.hours, b.energyHours, 0);
  row('energy kWh', energy.kwh, b.energyKwh, 1e-6 * Math.max(1, b.energyKwh));
  say(
    `  rows written by the etl: ${n(summary.rowsWritten)}; raw rows read (per-ETL sum): ${n(summary.rowsRead)}`,
  );
}

// Whether two aggregation databases hold the same totals for some days (the row-by-row check).
async function sameTotals(a: Kysely<AggDatabase>, b: Kysely<AggDatabase>, sample: string[]): Promise<string> {
  const totals = async (db: Kysely<AggDatabase>) => {
    const { rows } = await sql<Record<string, number>>`
      select (select coalesce(sum(readings_count), 0) from agg_sensor_stats where day = any(${sample}::date[])) as readings,
             (select round(coalesce(sum(avg_value * readings_count), 0)::numeric, 6) from agg_sensor_stats
               where day = any(${sample}::date[])) as sensor_sum,
             (select round(coalesce(sum(running_seconds + unplanned_down_seconds), 0)::numeric, 3)
               from agg_machine_activity_daily where day = any(${sample}::date[])) as powered,
             (select coalesce(sum(duration_seconds), 0) from machine_program_data where day = any(${sample}::date[])) as programs,
             (select coalesce(sum(amount), 0) from alerts_daily_count where day = any(${sample}::date[])) as alerts,
             (select round(coalesce(sum(energy_kwh), 0)::numeric, 6) from energy_consumption_hourly
               where day = any(${sample}::date[])) as kwh`.execute(db);
    return rows[0]!;
  };
  const [x, y] = await Promise.all([totals(a), totals(b)]);
  const differ = Object.keys(x).filter((k) => Number(x[k]) !== Number(y[k]));
  return differ.length === 0
    ? 'same totals'
    : `DIFFERS in ${differ.map((k) => `${k} ${x[k]} vs ${y[k]}`).join(', ')}`;
}
