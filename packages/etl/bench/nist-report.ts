// Regenerates docs/nist-mazak01.md end to end: imports the NIST Mazak01 SHDR logs into a fresh raw
// database (`pnpm raw import-shdr`), runs every ETL over their days (`pnpm etl run all`, the real
// CLI, with the machines file examples/nist-mazak01.machines.json) into a fresh aggregation
// database, and writes the per-day table and, beside it, a chart of the same days
// (docs/nist-mazak01-days.svg, embedded at the top of the page).
//
//   cd packages/etl && pnpm exec tsx bench/nist-report.ts [--data <dir>] [--out <file>]
//
// BENCH_DATABASE_URL names the PostgreSQL server (an admin login, default the local trust user);
// the databases mm_nist_mazak01 and mm_nist_agg on it are dropped and recreated.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type AggDatabase, createDb, migrateToLatest } from '@mm/db';
import { NIST_MAZAK01_DIR, parseShdrFileName } from '@mm/raw';
import { type Kysely, sql } from 'kysely';
import { type ChartDay, dayChartSvg } from './day-chart.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: NIST_MAZAK01_DIR },
    out: { type: 'string', default: join(root, 'docs/nist-mazak01.md') },
  },
});
const dataDir = resolve(values.data!);
const outFile = resolve(values.out!);
// The chart beside the page: docs/nist-mazak01.md -> docs/nist-mazak01-days.svg.
const chartFile = `${outFile.replace(/\.md$/, '')}-days.svg`;
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RAW_DB = 'mm_nist_mazak01';
const AGG_DB = 'mm_nist_agg';
const exampleFile = join(root, 'examples/nist-mazak01.machines.json');

const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

// The days are those named by the files: Mazak01-20190617-20190618.txt.gz is 2019-06-17 (UTC).
const days = readdirSync(dataDir)
  .map((f) => parseShdrFileName(f)?.day)
  .filter((day) => day !== undefined)
  .sort();
if (days.length === 0) throw new Error(`no SHDR files (<device>-YYYYMMDD-YYYYMMDD.txt) in ${dataDir}`);
const [first, last] = [days[0]!, days.at(-1)!];

function run(what: string, command: string, args: string[], env: Record<string, string> = {}) {
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: '', ...env },
    encoding: 'utf8',
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new Error(`${what} failed (exit ${result.status})`);
  }
  say(`${what}: ${seconds.toFixed(1)} s`);
  return result.stdout;
}

const admin = createDb<object>(adminUrl, { max: 1 });
for (const name of [RAW_DB, AGG_DB]) {
  await sql.raw(`drop database if exists ${name} with (force)`).execute(admin);
  await sql.raw(`create database ${name}`).execute(admin);
}
await admin.destroy();

const rawUrl = withDatabase(adminUrl, RAW_DB);
const aggUrl = withDatabase(adminUrl, AGG_DB);
run('import', 'pnpm', ['--silent', 'raw', 'import-shdr', '--db', rawUrl, dataDir]);
// What was imported, from the database itself (the importer's own summary carries timings).
const rawDb = createDb<object>(rawUrl, { max: 1 });
const imported = (
  await sql<{ variables: number; float: number; string: number }>`
    select (select count(*) from variable)::int as variables,
           (select count(*) from variable_log_float)::int as float,
           (select count(*) from variable_log_string)::int as string`.execute(rawDb)
).rows[0]!;
await rawDb.destroy();
const importSummary =
  `${imported.variables} variables, ${(imported.float + imported.string).toLocaleString('en-US')} raw rows ` +
  `(${imported.float.toLocaleString('en-US')} numeric, ${imported.string.toLocaleString('en-US')} text)`;

const agg = createDb<AggDatabase>(aggUrl, { max: 1 });
await migrateToLatest(agg);

// The example machines file, pointed at this server's raw database.
const machinesFile = JSON.parse(readFileSync(exampleFile, 'utf8'));
machinesFile.machines[0].rawDatabaseUrl = rawUrl;
const dir = mkdtempSync(join(tmpdir(), 'nist-report-'));
writeFileSync(join(dir, 'machines.json'), JSON.stringify(machinesFile));
const machineId: string = machinesFile.machines[0].id;
let etlOutput: string;
try {
  etlOutput = run('etl', 'pnpm', ['--silent', 'etl', 'run', 'all', first, last, '--concurrency', '2'], {
    AGG_DATABASE_URL: aggUrl,
    MACHINES_FILE: join(dir, 'machines.json'),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
// The summary's counts (its speed and time lines vary from run to run).
const etlSummary = etlOutput
  .slice(etlOutput.indexOf('done:'))
  .split('\n')
  .filter((l) => /^(done:| {2}slices| {2}rows)/.test(l))
  .join('\n');

const { markdown, chart } = await render(agg, machineId);
await agg.destroy();
writeFileSync(chartFile, chart);
say(`wrote ${relative(process.cwd(), chartFile)}`);
writeFileSync(outFile, markdown);
say(`wrote ${relative(process.cwd(), outFile)}`);

async function render(
  db: Kysely<AggDatabase>,
  machine: string,
): Promise<{ markdown: string; chart: string }> {
  const activity = await db
    .selectFrom('agg_machine_activity_daily')
    .select(['day', 'running_seconds', 'unplanned_down_seconds', 'planned_down_seconds', 'day_seconds'])
    .where('machine_id', '=', machine)
    .execute();
  const programs = await db
    .selectFrom('machine_program_data')
    .select(['day', 'program', 'duration_seconds'])
    .where('machine_id', '=', machine)
    .orderBy('day')
    .orderBy('duration_seconds', 'desc')
    .orderBy('program')
    .execute();
  const alerts = await db
    .selectFrom('alerts_daily_count')
    .select(['day', 'alert_type', 'amount'])
    .where('machine_id', '=', machine)
    .execute();
  const energy = await sql<{ day: string; kwh: number; hours: number }>`
    select day, sum(energy_kwh) as kwh, count(*)::int as hours from energy_consumption_hourly
    where machine_id = ${machine} group by day`.execute(db);
  const ledger = await db
    .selectFrom('etl_runs')
    .select(['day', 'complete'])
    .where('machine_id', '=', machine)
    .where('etl', '=', 'machine-activity')
    .execute();

  const h = (seconds: number) => (seconds / 3600).toFixed(2);
  const byDay = <T extends { day: string }>(rows: T[]) => {
    const map = new Map<string, T[]>();
    for (const row of rows) map.set(row.day, [...(map.get(row.day) ?? []), row]);
    return map;
  };
  const activityByDay = byDay(activity);
  const programsByDay = byDay(programs);
  const alertsByDay = byDay(alerts);
  const energyByDay = byDay(energy.rows);
  const partial = new Set(ledger.filter((r) => !r.complete).map((r) => r.day));
  const types = ['emergency', 'error', 'warning', 'other'] as const;
  const totals = { running: 0, unplanned: 0, planned: 0, kwh: 0, alerts: [0, 0, 0, 0] };
  const chartDays: ChartDay[] = [];

  const lines = days.map((day) => {
    const a = activityByDay.get(day)?.[0];
    const top = (programsByDay.get(day) ?? [])
      .slice(0, 3)
      .map((p) => `${p.program} (${h(p.duration_seconds)})`)
      .join(', ');
    const counts = types.map((t) => alertsByDay.get(day)?.find((r) => r.alert_type === t)?.amount ?? 0);
    const kwh = energyByDay.get(day)?.[0]?.kwh;
    if (a) {
      totals.running += a.running_seconds;
      totals.unplanned += a.unplanned_down_seconds;
      totals.planned += a.planned_down_seconds;
    }
    totals.kwh += kwh ?? 0;
    counts.forEach((n, i) => {
      totals.alerts[i]! += n;
    });
    chartDays.push({
      day,
      // A day without an activity row (none here) is drawn as an empty 24-hour bar.
      dayHours: (a?.day_seconds ?? 86_400) / 3600,
      runningHours: (a?.running_seconds ?? 0) / 3600,
      unplannedDownHours: (a?.unplanned_down_seconds ?? 0) / 3600,
      plannedDownHours: (a?.planned_down_seconds ?? 0) / 3600,
      kwh: kwh ?? null,
      errors: counts[types.indexOf('error')]!,
      partial: partial.has(day),
    });
    const label = partial.has(day) ? `${day} (partial)` : day;
    return `| ${[
      label,
      a ? h(a.running_seconds) : '-',
      a ? h(a.planned_down_seconds) : '-',
      a ? h(a.unplanned_down_seconds) : '-',
      top || '-',
      ...counts.map(String),
      kwh === undefined ? '-' : kwh.toFixed(3),
    ].join(' | ')} |`;
  });
  const total = `| **total** | ${h(totals.running)} | ${h(totals.planned)} | ${h(totals.unplanned)} |  | ${totals.alerts.join(' | ')} | ${totals.kwh.toFixed(3)} |`;

  const chart = dayChartSvg(chartDays, {
    title: 'NIST Mazak01: hours by state, energy and error alerts per day',
    subtitle: `Mazak Integrex 100-IV mill-turn, ${first} to ${last} (UTC), machine profile mtconnect`,
    credit: 'Data: NIST SMS Test Bed, Mazak Integrex 100-IV (2019)',
  });
  const markdown = `# NIST Mazak01: daily aggregates

![Per day: hours running, unplanned down and planned down (stacked bars), kWh (dots) and error alerts (labels)](${basename(chartFile)})

Sixteen days (${first} to ${last}, UTC) of real MTConnect SHDR logs of a Mazak Integrex 100-IV
mill-turn from the **NIST Smart Manufacturing Systems (SMS) Test Bed** (credit: National Institute
of Standards and Technology; the logs and NIST's notice are in
[\`packages/raw/data/nist-mazak01\`](../packages/raw/data/nist-mazak01/README.md)), run through the
product end to end: \`pnpm raw import-shdr\` into a raw database, then \`pnpm etl run all ${first} ${last}\`
with the machines file [\`examples/nist-mazak01.machines.json\`](../examples/nist-mazak01.machines.json)
(profile \`mtconnect\`, time zone UTC, one motor: \`Sload\` rated 11 kW).

Regenerate with \`cd packages/etl && pnpm exec tsx bench/nist-report.ts\` (it drops and recreates the
databases \`${RAW_DB}\` and \`${AGG_DB}\` on \`BENCH_DATABASE_URL\`, default the local PostgreSQL, and
writes this page and the chart above, \`${basename(chartFile)}\`).

| day | running h | planned down h | unplanned down h | top programs (h) | emergency | error | warning | other | kWh |
|---|---:|---:|---:|---|---:|---:|---:|---:|---:|
${lines.join('\n')}
${total}

- *Running* is \`execution = ACTIVE\`; *unplanned down* is powered but idle (any other execution
  value); *planned down* is \`UNAVAILABLE\` (adapter or machine off) or no reading yet
  ([machine activity](domain.md#52-machine-activity-daily)). The three add up to the day's length except
  on a partial day, where time after the last reading (the horizon) is in none of them.
- *Top programs*: the three programs that held longest that day (interval semantics: a program
  stays loaded while the machine idles, so it can hold far longer than the machine runs).
- *Alerts*: activations of MTConnect conditions per severity class ([alerts](domain.md#54-alerts)):
  the condition's level decides, a \`Fault\` is an error and a \`Warning\` a warning, whatever else
  its message says (the Warnings reading \`START ERROR(SET UP SWITCH)\` count as warnings); only a
  word starting with \`emerg\` would lift either to an emergency.
- *kWh*: ∫ clamp(Sload, 0, 100) / 100 × 11 kW dt ([energy](domain.md#55-energy-hourly)); \`-\` means no
  hour with a valid load.
- Days whose file holds only the agent's stale block (no new readings) are all planned down.
  The stale blocks also carry readings dated before ${first} (back to the agent's start); a full
  backfill (\`pnpm etl run all\` without dates) therefore starts on the first of those days.

Import: ${importSummary}

ETL run:

\`\`\`
${etlSummary}
\`\`\`
`;
  return { markdown, chart };
}
