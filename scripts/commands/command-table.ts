// Every root command: `pnpm <verb> [<sub>] …` runs `scripts/cli.ts <verb> …` (package.json), which
// finds the command here. Modules are imported only when their command runs, so listing the commands
// or asking one for its usage loads nothing else.
import { fileURLToPath } from 'node:url';
import type { Command, Verb } from './command.ts';
import { runChild, TSX_NODE } from './run-child.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const PNPM_EXEC = ['pnpm', 'exec'];

/** The TypeScript projects `pnpm typecheck` checks: the workspace's, and the browser code's (DOM types). */
export const TYPECHECK_PROJECTS = ['tsconfig.json', 'apps/dashboard/tsconfig.json'];

/** A root TypeScript program that reads its own arguments, run as a child with them. */
const program =
  (file: string, fixedArgs: string[] = []) =>
  (args: string[]) =>
    runChild([...TSX_NODE, `${root}${file}`, ...fixedArgs], args, root);

/** Runs each step in turn, stopping at the first that fails. */
const steps =
  (...run: Array<() => Promise<number>>) =>
  async () => {
    for (const step of run) {
      const status = await step();
      if (status !== 0) return status;
    }
    return 0;
  };

/**
 * An app's process on this one (`exec node` in package.json): signals reach the app's own shutdown
 * with nothing in between. The apps read no arguments.
 */
const app = (name: string, load: () => Promise<unknown>): Command => ({
  name: `start:${name}`,
  summary: `the ${name} from its sources (configured by the environment: apps/${name}/README.md)`,
  usage: `usage: pnpm start:${name}\n\nStarts apps/${name}/src/main.ts from its sources; it takes no arguments, only the environment (apps/${name}/README.md).`,
  run: async (args) => {
    // `pnpm start:api --` hands the separator on; anything else is a mistake worth saying.
    const extra = args.filter((a) => a !== '--');
    if (extra.length > 0) {
      console.error(`pnpm start:${name}: takes no arguments, got '${extra.join(' ')}'`);
      return 2;
    }
    await load();
    // The app keeps this process alive and sets its own exit status when it stops.
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  },
});

/** `pnpm bench <name>`: the benchmark runs in the package that owns it, resolving that package's dependencies. */
const bench = (name: string, dir: string, file: string, usage: string, summary: string): Command => ({
  name,
  summary,
  usage: `usage: pnpm bench ${name} ${usage}\n\nbench file: ${dir}/bench/${file} (its header says what it measures; figures in ${dir}/README.md or docs/)`,
  run: (args) => runChild([...TSX_NODE, `bench/${file}`], args, `${root}${dir}`),
});

const dashboard = (name: string, usage: string, summary: string): Command => ({
  name,
  summary,
  usage: `usage: pnpm dashboard ${name} ${usage}\n\n${summary} (apps/dashboard/src/cli/${name}.ts, apps/dashboard/README.md)`,
  run: program(`apps/dashboard/src/cli/${name}.ts`),
});

const testUsage = (what: string, config: string) =>
  `usage: pnpm ${what} [vitest options, e.g. -- path/to/file.test.ts]\n\nRuns vitest with ${config} and ends with the line CI reads: \`N passed, N failed\`.`;

export const verbs: Verb[] = [
  {
    name: 'commands',
    summary: 'this list (pnpm <command> --help: its usage)',
    usage: 'usage: pnpm commands\n\nLists every command with one line each.',
    // The dispatcher lists them for an empty command line.
    run: async () => (await import('./dispatch.ts')).dispatch([], verbs),
  },
  {
    name: 'start',
    summary: 'the whole system on embedded databases, seeded on first start (apps/demo)',
    // The demo answers --help itself and is run by package.json directly (see package-scripts.ts).
    run: program('apps/demo/src/cli/main.ts'),
  },
  app('api', () => import('../../apps/api/src/main.ts')),
  app('worker', () => import('../../apps/worker/src/main.ts')),
  app('scheduler', () => import('../../apps/scheduler/src/main.ts')),
  {
    name: 'test',
    summary: 'every test (unit and integration; needs PostgreSQL and Redis), ending `N passed, N failed`',
    usage: `${testUsage('test', 'vitest.config.ts (both projects)')}\n--maxWorkers=N: files at once (default: from the cores and the load).`,
    run: program('scripts/test.ts'),
  },
  {
    name: 'test:unit',
    summary: 'the unit tests only (no I/O, no services)',
    usage: 'usage: pnpm test:unit [vitest options]\n\nRuns the `unit` project of vitest.config.ts.',
    run: (args) => runChild([...PNPM_EXEC, 'vitest', 'run', '--project', 'unit'], args, root),
  },
  {
    name: 'test:deploy',
    summary: 'the image built and docker-compose.yml brought up on a Docker engine (deploy/README.md)',
    usage: testUsage('test:deploy', 'vitest.deploy.config.ts (needs a Docker engine; minutes)'),
    run: program('scripts/test.ts', ['--config', 'vitest.deploy.config.ts']),
  },
  {
    name: 'test:partitions',
    summary: 'worker hosts partitioned from Redis and PostgreSQL (root; apps/worker/partitions/README.md)',
    usage: testUsage('test:partitions', 'vitest.partitions.config.ts (needs root: network namespaces)'),
    run: program('scripts/test.ts', ['--config', 'vitest.partitions.config.ts']),
  },
  {
    name: 'typecheck',
    summary: 'tsc --noEmit over every TypeScript file',
    usage: `usage: pnpm typecheck\n\nRuns tsc --noEmit on ${TYPECHECK_PROJECTS.join(' and ')}.`,
    run: (args) =>
      steps(
        ...TYPECHECK_PROJECTS.map(
          (p) => () => runChild([...PNPM_EXEC, 'tsc', '-p', p, '--noEmit'], args, root),
        ),
      )(),
  },
  {
    name: 'lint',
    summary: 'Biome: formatting and lint rules',
    usage: 'usage: pnpm lint [biome check options]\n\nRuns `biome check .` (biome.json).',
    run: (args) => runChild([...PNPM_EXEC, 'biome', 'check', '.'], args, root),
  },
  {
    name: 'format',
    summary: 'Biome: fix formatting and safe lint fixes in place',
    usage: 'usage: pnpm format\n\nRuns `biome check --write .`.',
    run: (args) => runChild([...PNPM_EXEC, 'biome', 'check', '--write', '.'], args, root),
  },
  {
    name: 'build',
    summary: 'every package compiled to dist/, then the dashboard bundle',
    usage:
      "usage: pnpm build\n\nCompiles each workspace package's src/ to dist/ (scripts/build.ts), then runs `pnpm build:dashboard`.",
    run: (args) =>
      steps(
        () => program('scripts/build.ts')(args),
        () => runChild(['pnpm', '--filter', '@mm/dashboard', 'build'], [], root),
      )(),
  },
  {
    name: 'build:dashboard',
    summary: 'the dashboard bundle only (vite, into apps/dashboard/build)',
    usage: 'usage: pnpm build:dashboard\n\nBuilds apps/dashboard with vite into apps/dashboard/build.',
    run: (args) => runChild(['pnpm', '--filter', '@mm/dashboard', 'build'], args, root),
  },
  {
    name: 'db:migrate',
    summary: "bring the aggregation database up to the code's migrations",
    run: async (args) => (await import('../../packages/db/src/migrate-command.ts')).migrateCommand(args),
  },
  {
    name: 'etl',
    summary: 'the ETLs from the command line (packages/etl, packages/queue)',
    subcommands: [
      {
        name: 'run',
        summary: 'run ETLs over days in this process',
        run: async (args) =>
          (await import('../../packages/etl/src/cli/etl-command.ts')).etlCommand(['run', ...args]),
      },
      {
        name: 'enqueue',
        summary: 'queue (machine, ETL, day) slices for the workers',
        run: async (args) =>
          (await import('../../packages/queue/src/cli/enqueue-command.ts')).enqueueCommand(args),
      },
    ],
  },
  {
    name: 'raw',
    summary: "tools that write raw databases this product owns, never a logger's (packages/raw)",
    // Summaries as packages/raw/src/cli/run.ts has them (commands.int.test.ts compares).
    subcommands: [
      ['import-shdr', 'import MTConnect SHDR logs (files or a folder with Devices.xml) into a raw database'],
      ['simulate', 'write a deterministic simulated logger-profile machine into a raw database'],
    ].map(([name, summary]) => ({
      name: name!,
      summary: summary!,
      run: async (args: string[]) =>
        (await import('../../packages/raw/src/cli/run.ts')).runRawCli([name!, ...args]),
    })),
  },
  {
    name: 'bench',
    summary: "benchmarks (figures in each package's README)",
    subcommands: [
      bench(
        'etl',
        'packages/etl',
        'etl.ts',
        '[--days 30] [--seed 42] [--rebuild] [--row-days 2] [--repeat 1]',
        'ETL backfill against plain SQL over a simulated machine',
      ),
      bench('api', 'apps/api', 'api.ts', '', 'API throughput and latency against a year of aggregates'),
      bench(
        'api-start',
        'apps/api',
        'start.ts',
        '[--machines 10000] [--repeat 3]',
        'API start-up time and memory with a large machines file',
      ),
      bench(
        'queue',
        'apps/worker',
        'queue.ts',
        '[--repeat N]',
        'a backfill in process against through the queue with one and two workers',
      ),
      bench(
        'plant',
        'apps/scheduler',
        'plant.ts',
        '--machines N',
        'a plant of N machines planned and caught up by real processes',
      ),
      bench(
        'startup',
        'deploy',
        'startup.ts',
        '[--repeat 3] (after pnpm build)',
        'start-up from source (tsx) against compiled (node)',
      ),
    ],
  },
  {
    name: 'dashboard',
    summary: 'dashboard tools in headless Chromium (apps/dashboard)',
    subcommands: [
      dashboard(
        'first-paint',
        '<base-url> [--runs N] [--screenshot <file>]',
        'browser paint timings of a running server',
      ),
      dashboard(
        'plant-load',
        '[--machines 2,200] [--runs 5] [--bundle <dir>]',
        'requests and load time of the plant and pipeline views at N machines',
      ),
      dashboard(
        'v1-client',
        '<api-url> [--day YYYY-MM-DD] [--port N] [--screenshot <file>]',
        "the original (v1) dashboard's stand-in against a running API",
      ),
    ],
  },
];
