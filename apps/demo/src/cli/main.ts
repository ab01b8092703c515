// `pnpm start`: the whole system on embedded databases, seeded on first start, then the real API.
// Process wiring only (arguments, environment, signals, exit codes); the work is in ../*.ts.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, EX_CONFIG, formatConfigError, redactUrl } from '@mm/config';
import { type DemoAdmin, markAdminShown } from '../admin-credentials.ts';
import { seconds } from '../backfill-demo.ts';
import { DashboardBuildError, ensureDashboardBundle } from '../dashboard-bundle.ts';
import { DataDirInUseError } from '../data-dir-lock.ts';
import { DamagedDatabaseError } from '../demo-databases.ts';
import { DemoSettingsError, demoSettingsFromEnv } from '../demo-settings.ts';
import { type DemoRuntime, ForeignDataDirError, prepareDemo } from '../prepare-demo.ts';
import type { DemoQueues } from '../queue-demo.ts';
import { assertPortFree, type DemoServer, PortUnavailableError, serveDemo } from '../serve-demo.ts';
import { tryThese } from '../try-these.ts';

/** The dashboard's sources and bundle (`apps/dashboard`). */
const DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/', import.meta.url));

const USAGE = `usage: pnpm start [-- --reset]
  --reset   wipe the demo's data (.data/demo) and seed it again

Environment (all optional): PORT (8000), HOST (127.0.0.1), AGG_DATABASE_URL, DEMO_RAW_DATABASE_URL
(with {machine}), NIST_DIR, DEMO_DATA_DIR, DEMO_DAYS (14), DEMO_VOLUME (0.1), DEMO_SEED, DEMO_LAST_DAY,
LOG_LEVEL (warn, into .data/demo/demo.log), CORS_ORIGINS, ADMIN_USER/ADMIN_PASSWORD (generated for the
demo when unset), REDIS_URL (redis://127.0.0.1:6379: through the queues when it answers, else in
process). See apps/demo/README.md.`;

// Relative paths (.data/demo, NIST_DIR, pglite:./… URLs) are the repository root's,
// wherever pnpm started us from.
process.chdir(fileURLToPath(new URL('../../../../', import.meta.url)));

let values: { reset?: boolean; help?: boolean };
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: { reset: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  }));
} catch (error) {
  console.error(`demo: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

// Node's clock starts with the process: the time printed is the whole start, loading included.
const started = 0;
let demo: DemoRuntime | null = null;
let server: DemoServer | null = null;
let seedQueues: DemoQueues | null = null;
let stopping = false;

async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (server === null) {
    // Mid-seed: the marker is written last, so the next start notices and seeds again from scratch.
    // A worker already running gets a moment to finish its job and close its Redis connections.
    await seedQueues?.close(3000).catch(() => {});
    console.log(`\n${signal}: stopped before the demo was ready; the next start seeds again.`);
    process.exit(0);
  }
  console.log(`\n${signal}: shutting down`);
  await server.close();
  await demo?.close().catch((error: Error) => console.error(`demo: closing the databases: ${error.message}`));
  console.log('stopped');
  process.exit(0);
}
// Ctrl-C is how the demo is meant to end: a clean stop exits 0, and the start scripts `exec` node
// so no shell between pnpm and us dies of the SIGINT (pnpm would print ELIFECYCLE for that).
// Listeners stay on: a second Ctrl-C during the shutdown must not kill it half-way.
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

try {
  const settings = demoSettingsFromEnv(process.env);
  // Before any seeding: a taken port should not cost a minute of work first.
  await assertPortFree(settings.port, settings.host);
  const where = (url: string) =>
    url.startsWith('pglite:') ? `PGlite ${url.slice('pglite:'.length)}` : redactUrl(url);
  const urls = [settings.aggDatabaseUrl, settings.rawDatabaseUrl('<machine>')];
  const embedded = urls.every((url) => url.startsWith('pglite:'));
  console.log(
    `Machine monitoring demo: the dashboard will be at ${browserUrl(settings.host, settings.port)}\n` +
      `  ${embedded ? 'embedded PGlite databases, no PostgreSQL needed' : 'PostgreSQL databases'}; Redis optional; ` +
      `data ${settings.dataDir}; aggregation database ${where(urls[0]!)}; raw databases ${where(urls[1]!)}`,
  );
  // Built (quietly, and only when its sources changed) while the databases open.
  const bundle = ensureDashboardBundle(DASHBOARD_DIR);
  bundle.catch(() => {}); // awaited below; not an unhandled rejection in the meantime
  demo = await prepareDemo(settings, {
    reset: values.reset ?? false,
    report: (line) => console.log(line),
    onQueues: (queues) => {
      seedQueues = queues;
    },
  });
  const built = await bundle;
  if (built.built) console.log(`Dashboard bundle built from changed sources in ${seconds(built.ms)}.`);
  server = await serveDemo(demo, { port: settings.port, host: settings.host });
  const base = browserUrl(settings.host, server.port);
  console.log(`\nReady in ${seconds(performance.now() - started)}${demo.reused ? ' (data reused)' : ''}.\n`);
  for (const line of readyLines(demo, base)) console.log(line);
  markAdminShown(demo.admin);
  console.log('');
  for (const line of await tryThese(demo.dbs.agg, demo.config.machines, base.slice(0, -1))) console.log(line);
  console.log('\nCtrl-C stops it.');
} catch (error) {
  await demo?.close().catch(() => {});
  if (error instanceof DemoSettingsError) {
    console.error(`demo: ${error.message}`);
    process.exit(EX_CONFIG);
  }
  if (error instanceof ConfigError) {
    process.stderr.write(formatConfigError(error, 'demo'));
    process.exit(EX_CONFIG);
  }
  if (error instanceof DashboardBuildError) {
    console.error(`demo: ${error.message}; Vite said:\n${error.output}`);
    process.exit(1);
  }
  if (
    error instanceof PortUnavailableError ||
    error instanceof ForeignDataDirError ||
    error instanceof DataDirInUseError ||
    error instanceof DamagedDatabaseError
  ) {
    console.error(`demo: ${error.message}`);
    process.exit(1);
  }
  // A bug: its stack, but not Node's dump of the throwing source line (for PGlite, megabytes of
  // minified code on one line).
  console.error(`demo: unexpected error: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
}

/** The address to open in a browser on this machine: `localhost` for a loopback or any-address bind. */
function browserUrl(host: string, port: number): string {
  const local = ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost'].includes(host);
  const shown = local ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/`;
}

/** Where to go once the demo is ready: the dashboard first, then the docs, the admin sign-in, the log. */
function readyLines(demo: DemoRuntime, base: string): string[] {
  const signIn = (admin: DemoAdmin) =>
    admin.source === 'generated'
      ? `user ${admin.user}, password ${admin.password}   (generated for this demo and shown once: kept in ${admin.file})`
      : admin.source === 'stored'
        ? `user ${admin.user}, password in ${admin.file}`
        : `ADMIN_USER and ADMIN_PASSWORD from the environment`;
  return [
    `  Dashboard   ${base}`,
    `  API docs    ${base}docs`,
    `  Bull Board  ${base}admin/queues${demo.queues ? '' : '   (needs Redis: the ETLs ran without it)'}`,
    `  Sign in     ${signIn(demo.admin)}`,
    ...(demo.logFile ? [`  Logs        ${demo.logFile} (JSON lines)`] : []),
  ];
}
