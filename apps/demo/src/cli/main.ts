// `pnpm start`: the whole system on embedded databases, seeded on first start, then the real API.
// Process wiring only (arguments, environment, signals, exit codes); the work is in ../*.ts.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, EX_CONFIG, formatConfigError, redactUrl } from '@mm/config';
import { seconds } from '../backfill-demo.ts';
import { DEFAULT_NIST_DIR, DemoSettingsError, demoSettingsFromEnv } from '../demo-settings.ts';
import { type DemoRuntime, ForeignDataDirError, prepareDemo } from '../prepare-demo.ts';
import type { DemoQueues } from '../queue-demo.ts';
import { assertPortFree, type DemoServer, PortUnavailableError, serveDemo } from '../serve-demo.ts';
import { tryThese } from '../try-these.ts';

const USAGE = `usage: pnpm start [-- --reset]
  --reset   wipe the demo's data (.data/demo) and seed it again

Environment (all optional): PORT (8000), HOST (127.0.0.1), AGG_DATABASE_URL, DEMO_RAW_DATABASE_URL
(with {machine}), NIST_DIR, DEMO_DATA_DIR, DEMO_DAYS (14), DEMO_VOLUME (0.1), DEMO_SEED, DEMO_LAST_DAY,
LOG_LEVEL (warn), CORS_ORIGINS, ADMIN_USER/ADMIN_PASSWORD, REDIS_URL (redis://127.0.0.1:6379: through
the queues when it answers, else in process). See apps/demo/README.md.`;

// Relative paths (.data/demo, ../shared/data/nist-mazak01, pglite:./… URLs) are the repository root's,
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

const started = performance.now();
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
    process.exit(130);
  }
  console.log(`\n${signal}: shutting down`);
  await server.close();
  await demo?.close().catch((error: Error) => console.error(`demo: closing the databases: ${error.message}`));
  console.log('stopped');
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));

try {
  const settings = demoSettingsFromEnv(process.env);
  // Before any seeding: a taken port should not cost a minute of work first.
  await assertPortFree(settings.port, settings.host);
  const where = (url: string) =>
    url.startsWith('pglite:') ? `PGlite ${url.slice('pglite:'.length)}` : redactUrl(url);
  const urls = [settings.aggDatabaseUrl, settings.rawDatabaseUrl('<machine>')];
  const embedded = urls.every((url) => url.startsWith('pglite:'));
  console.log(
    `Machine monitoring demo: ${embedded ? 'embedded PGlite databases, no PostgreSQL needed' : 'PostgreSQL databases'}; Redis optional.\n` +
      `  data ${settings.dataDir}; aggregation database ${where(urls[0]!)}; raw databases ${where(urls[1]!)}`,
  );
  if (settings.nistDir === null) {
    console.log(
      `NIST logs not found at ${DEFAULT_NIST_DIR}: only the simulated machine (set NIST_DIR to add mazak01).`,
    );
  }
  demo = await prepareDemo(settings, {
    reset: values.reset ?? false,
    report: (line) => console.log(line),
    onQueues: (queues) => {
      seedQueues = queues;
    },
  });
  server = await serveDemo(demo, { port: settings.port, host: settings.host });
  console.log(
    `\nAPI listening on ${server.url}: ${demo.config.machines.map((m) => m.id).join(', ')} ` +
      `(ready in ${seconds(performance.now() - started)}${demo.reused ? ', data reused' : ''}).\n`,
  );
  for (const line of await tryThese(demo.dbs.agg, demo.config.machines, server.url)) console.log(line);
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
  if (error instanceof PortUnavailableError || error instanceof ForeignDataDirError) {
    console.error(`demo: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
