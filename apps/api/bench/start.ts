// `pnpm bench api-start [--machines 10000] [--repeat 3]`: how long the API takes to start, and how
// much memory it holds, with a large machines file, against one machine (the baseline) in the same run.
//
// Creates a temporary aggregation database and migrates it, writes two machines files (one machine;
// N machines over a few raw database URLs, time zones and both built-in profiles: the raw databases
// are never opened at start, so they need not exist), then starts `src/main.ts` (node --import tsx,
// one process, so its RSS is the API's) on an ephemeral port, `--repeat` times each, interleaved.
// Per start: process start to the first 200 on `/`, the resident set (VmRSS) then and its peak
// (VmHWM), the first `/openapi.json` (built on first use) and the first `/api/v2/machines`.
// Drops the database at the end. BENCH_DATABASE_URL: an admin connection (default
// postgres://postgres@127.0.0.1:5432/postgres).
// Last line: `api start <N> machines: <s> s, <MB> MB resident (1 machine: <s> s, <MB> MB)`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDb, migrateToLatest } from '@mm/db';
import { sql } from 'kysely';

const apiDir = fileURLToPath(new URL('../', import.meta.url));
const say = (line = '') => process.stdout.write(`${line}\n`);
const { values } = parseArgs({
  options: { machines: { type: 'string', default: '10000' }, repeat: { type: 'string', default: '3' } },
  strict: true,
});
const count = Number(values.machines);
const repeat = Number(values.repeat);
if (!Number.isInteger(count) || count < 1) throw new Error('--machines must be a positive integer');
if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat must be a positive integer');

const adminUrl = process.env.BENCH_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
const aggName = `mm_bench_api_start_${process.pid}`;
const urlOf = (name: string) => {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
};
const zones = [
  'Europe/Madrid',
  'UTC',
  'America/New_York',
  'Asia/Tokyo',
  'America/Sao_Paulo',
  'Europe/Berlin',
];

function machinesFile(n: number) {
  return {
    machines: Array.from({ length: n }, (_, i) => {
      const id = `m-${String(i).padStart(5, '0')}`;
      const mtconnect = i % 4 === 3;
      return {
        id,
        name: `Machine ${i}`,
        rawDatabaseUrl: `postgres://mm_reader:secret@127.0.0.1:5432/mm_bench_raw_${i % 20}`,
        timezone: zones[i % zones.length],
        profile: mtconnect ? 'mtconnect' : 'logger',
        ...(mtconnect ? { signals: { motors: [{ variable: 'Sload', ratedKw: 11 }] } } : {}),
      };
    }),
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Resident and peak resident set of a process, in MB (Linux). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

interface Start {
  listening: number;
  rss: number;
  peak: number;
  openapi: number;
  machines: number;
}

async function timed(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - started;
}

async function start(file: string, aggUrl: string): Promise<Start> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: apiDir,
    env: {
      PATH: process.env.PATH,
      AGG_DATABASE_URL: aggUrl,
      MACHINES_FILE: file,
      LOG_LEVEL: 'warn',
      PORT: String(port),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    let listening = 0;
    while (listening === 0) {
      if (child.exitCode !== null) throw new Error(`the API exited ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) listening = performance.now() - started;
      else if (performance.now() - started > 120_000) throw new Error('the API did not answer within 120 s');
      else await new Promise((r) => setTimeout(r, 20));
    }
    const memory = memoryOf(child.pid as number);
    const openapi = await timed(`http://127.0.0.1:${port}/openapi.json`);
    const machines = await timed(`http://127.0.0.1:${port}/api/v2/machines`);
    return { listening, ...memory, openapi, machines };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const admin = createDb(adminUrl, { max: 1 });
await sql`create database ${sql.id(aggName)}`.execute(admin);
const tmp = mkdtempSync(join(tmpdir(), 'mm-bench-api-start-'));
try {
  const agg = createDb(urlOf(aggName), { max: 1 });
  await migrateToLatest(agg);
  await agg.destroy();
  const files = { one: join(tmp, 'one.json'), many: join(tmp, 'many.json') };
  writeFileSync(files.one, JSON.stringify(machinesFile(1)));
  writeFileSync(files.many, JSON.stringify(machinesFile(count)));
  say(`load average before the run: ${loadavg()[0]?.toFixed(2)}`);
  const runs: Record<'one' | 'many', Start[]> = { one: [], many: [] };
  for (let i = 0; i < repeat; i++) {
    for (const kind of ['one', 'many'] as const) {
      runs[kind].push(await start(files[kind], urlOf(aggName)));
      say(`  run ${i + 1}/${repeat} ${kind === 'one' ? '1 machine' : `${count} machines`} done`);
    }
  }
  const summary = (kind: 'one' | 'many') => {
    const m = (key: keyof Start) => median(runs[kind].map((r) => r[key]));
    return {
      listening: m('listening'),
      rss: m('rss'),
      peak: m('peak'),
      openapi: m('openapi'),
      machines: m('machines'),
    };
  };
  const one = summary('one');
  const many = summary('many');
  say(`median of ${repeat} (start = process start to the first 200 on /):`);
  for (const [label, s] of [
    ['1 machine', one],
    [`${count} machines`, many],
  ] as const) {
    say(
      `  ${label.padEnd(16)} start ${(s.listening / 1000).toFixed(2)} s, RSS ${s.rss.toFixed(0)} MB (peak ${s.peak.toFixed(0)} MB), first /openapi.json ${s.openapi.toFixed(0)} ms, first /api/v2/machines ${s.machines.toFixed(0)} ms`,
    );
  }
  say(
    `api start ${count} machines: ${(many.listening / 1000).toFixed(2)} s, ${many.rss.toFixed(0)} MB resident (1 machine: ${(one.listening / 1000).toFixed(2)} s, ${one.rss.toFixed(0)} MB)`,
  );
} finally {
  await sql`drop database if exists ${sql.id(aggName)} with (force)`.execute(admin);
  await admin.destroy();
  rmSync(tmp, { recursive: true, force: true });
}
