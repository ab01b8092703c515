// `pnpm bench startup [--repeat 3]`: what compiling buys at start-up. Times, from the repository root
// and in the same run:
//   - one day of every ETL on a simulated `logger` machine (volume 0.1), as `pnpm etl run all <day>`,
//     as `tsx packages/etl/src/cli/main.ts …` and as `node packages/etl/dist/cli/main.js …`
//     (process start to exit);
//   - the API from process start to its first `200` on `/`, from source (tsx) and compiled (node).
// Each variant runs --repeat times, interleaved, and the median is reported. Needs `pnpm build` first.
// The last line is
//   startup compiled / source: <etl ratio>x etl run, <api ratio>x api listening
// BENCH_DATABASE_URL is an admin login to PostgreSQL (default the local trust user); the two
// databases it creates are dropped at the end.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDb, migrateToLatest } from '@mm/db';
import { simulatePlant } from '@mm/raw';
import pg from 'pg';

const root = fileURLToPath(new URL('../../', import.meta.url));
const say = (line = '') => process.stdout.write(`${line}\n`);
const { values } = parseArgs({ options: { repeat: { type: 'string', default: '3' } }, strict: true });
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat must be a positive integer');
for (const file of ['packages/etl/dist/cli/main.js', 'apps/api/dist/main.js']) {
  if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run pnpm build first`);
}

const adminUrl = process.env.BENCH_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
const suffix = `${process.pid}`;
const names = { agg: `mm_bench_startup_agg_${suffix}`, raw: `mm_bench_startup_raw_${suffix}` };
const urlOf = (name: string) => {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
};
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
for (const name of Object.values(names)) await admin.query(`create database ${name}`);
const tmp = mkdtempSync(join(tmpdir(), 'mm-bench-startup-'));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${Math.round(x)} ms`;

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('exit', (code) =>
      code === 0
        ? resolve(performance.now() - started)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr}`)),
    );
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Process start to the first 200 on `/`, then SIGTERM and wait for the exit. */
async function timeToServe(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command, args, { cwd: root, env: { ...env, PORT: String(port) }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - started;
      if (performance.now() - started > 60_000) throw new Error('the API did not answer within 60 s');
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

try {
  const agg = createDb(urlOf(names.agg), { max: 1 });
  await migrateToLatest(agg);
  await agg.destroy();
  const day = '2024-03-05';
  await simulatePlant({ url: urlOf(names.raw), seed: 1, start: day, days: 1, timezone: 'UTC', volume: 0.1 });
  const machines = join(tmp, 'machines.json');
  writeFileSync(
    machines,
    JSON.stringify({
      machines: [{ id: 'press-01', name: 'Press 01', rawDatabaseUrl: urlOf(names.raw), profile: 'logger' }],
    }),
  );
  const env = {
    PATH: process.env.PATH,
    AGG_DATABASE_URL: urlOf(names.agg),
    MACHINES_FILE: machines,
    LOG_LEVEL: 'warn',
  };
  const tsx = join(root, 'node_modules/.bin/tsx');
  const etlArgs = ['run', 'all', day];
  const variants = {
    'pnpm etl run (tsx)': () => run('pnpm', ['-s', 'etl', ...etlArgs], env),
    'tsx packages/etl/src/cli/main.ts': () => run(tsx, ['packages/etl/src/cli/main.ts', ...etlArgs], env),
    'node packages/etl/dist/cli/main.js': () =>
      run('node', ['packages/etl/dist/cli/main.js', ...etlArgs], env),
    'api from source (tsx)': () => timeToServe(tsx, ['apps/api/src/main.ts'], env),
    'api compiled (node)': () => timeToServe('node', ['apps/api/dist/main.js'], env),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = 0; i < repeat; i++) {
    for (const [name, measure] of Object.entries(variants)) times[name]!.push(await measure());
  }
  say(`start-up, median of ${repeat} (one day of all five ETLs; the API until its first 200 on /):`);
  for (const [name, xs] of Object.entries(times)) {
    say(`  ${name.padEnd(36)} ${ms(median(xs)).padStart(8)}   (${xs.map(ms).join(', ')})`);
  }
  const m = (name: keyof typeof variants) => median(times[name]!);
  const etlRatio = m('node packages/etl/dist/cli/main.js') / m('tsx packages/etl/src/cli/main.ts');
  const apiRatio = m('api compiled (node)') / m('api from source (tsx)');
  say(`startup compiled / source: ${etlRatio.toFixed(2)}x etl run, ${apiRatio.toFixed(2)}x api listening`);
} finally {
  for (const name of Object.values(names)) await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
  rmSync(tmp, { recursive: true, force: true });
}
