// `pnpm test:deploy`: the deployment as an operator runs it, on a real Docker engine. The image is
// built from the Dockerfile with BuildKit (this machine's extra CA certificates as a build secret),
// and `docker-compose.yml --profile demo` comes up with three workers under a project name of its own;
// then migrate, the slices, the API, the dashboard, Bull Board, scaling and stopping are checked.
// Base images that no registry can provide here are built as local stand-ins first (stand-ins.ts).
// Everything the test creates is removed at the end, whatever happened; stand-ins are kept for the
// next run. deploy/README.md describes it.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etlIds } from '@mm/etl';
import { freePort } from '@mm/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readComposeFile } from '../compose-file.ts';
import { isToolchainPackage } from '../toolchain-packages.ts';
import {
  composeCommand,
  DockerCommandError,
  docker,
  engineVersion,
  imageContains,
  inspectImage,
  type RunOptions,
  run,
} from './docker-cli.ts';
import { ensureStandIns, repositoryRoot as root, type StandInResult } from './stand-ins.ts';

const started = Date.now();
const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;
const log = (line: string) => console.log(`[deploy ${elapsed()}] ${line}`);

const WORKERS = 3;
const SCALED = 4;
const project = `mmdeploy${randomBytes(4).toString('hex')}`;
const image = `machine-monitoring:${project}`;
const admin = { user: 'ops', password: `t${randomBytes(12).toString('hex')}` };
const compose = readComposeFile(join(root, 'docker-compose.yml'), { IMAGE: image });
const appImage = compose.services.api?.image;
// The image is built as compose would build it: its context and Dockerfile from the file.
const appBuild = compose.services.api?.build ?? { context: '.', dockerfile: 'Dockerfile' };
const dockerfile = join(root, appBuild.context, appBuild.dockerfile);
const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(dockerfile, 'utf8'))?.[1];
const baseImages = [
  nodeImage ?? `${appBuild.dockerfile}: no ARG NODE_IMAGE`,
  ...new Set(
    Object.values(compose.services).flatMap((s) => (s.image && s.image !== appImage ? [s.image] : [])),
  ),
];
const graceOf = (service: string) => compose.services[service]?.stopGracePeriodSeconds ?? 10;

let tmp: string;
let envFile: string;
let caBundle: string | undefined;
let apiPort: number;
let standIns: StandInResult[] = [];
let imageBuilt = false;
let upStatus: { ok: boolean; output: string } | undefined;
let anyFailed = false;
const figures: string[] = [];

/** Runs Compose on our file and project, with only the settings given here (no `.env`, no shell env). */
function composeRun(args: string[], options: RunOptions = {}) {
  const [file, ...prefix] = composeCommand();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    IMAGE: image,
    API_PORT: `127.0.0.1:${apiPort}`,
    ADMIN_USER: admin.user,
    ADMIN_PASSWORD: admin.password,
    WORKER_REPLICAS: String(WORKERS),
    // The demo seeds its days while the apps start: plan again soon, not in the default 5 minutes.
    PLAN_EVERY_SECONDS: '10',
  };
  return run(
    file!,
    [
      ...prefix,
      '--env-file',
      envFile,
      '-f',
      join(root, 'docker-compose.yml'),
      '-p',
      project,
      '--profile',
      'demo',
      ...args,
    ],
    { cwd: root, env, ...options },
  );
}

interface Container {
  id: string;
  name: string;
  service: string;
  status: string;
  health?: string;
  exitCode: number;
  restartCount: number;
  startedAt: string;
  finishedAt: string;
}

/** The project's containers (running or not), optionally of one service, by container number. */
async function containers(service?: string): Promise<Container[]> {
  const filters = ['--filter', `label=com.docker.compose.project=${project}`];
  if (service) filters.push('--filter', `label=com.docker.compose.service=${service}`);
  const ids = (await docker(['ps', '-a', '-q', ...filters])).stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const inspected = JSON.parse((await docker(['inspect', ...ids])).stdout) as Array<{
    Id: string;
    Name: string;
    RestartCount: number;
    Config: { Labels: Record<string, string> };
    State: {
      Status: string;
      ExitCode: number;
      StartedAt: string;
      FinishedAt: string;
      Health?: { Status: string };
    };
  }>;
  return inspected
    .map((c) => ({
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      service: c.Config.Labels['com.docker.compose.service'] ?? '',
      number: Number(c.Config.Labels['com.docker.compose.container-number'] ?? 0),
      status: c.State.Status,
      ...(c.State.Health ? { health: c.State.Health.Status } : {}),
      exitCode: c.State.ExitCode,
      restartCount: c.RestartCount,
      startedAt: c.State.StartedAt,
      finishedAt: c.State.FinishedAt,
    }))
    .sort((a, b) => a.service.localeCompare(b.service) || a.number - b.number);
}

const describeAll = (list: Container[]) =>
  list.map((c) => `${c.name}: ${c.status}${c.health ? ` (${c.health})` : ''} exit ${c.exitCode}`).join('\n');

async function until<T>(what: string, check: () => Promise<T | undefined>, seconds: number): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${seconds} s waiting for ${what}\n${describeAll(await containers())}`);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** psql inside a database container, over its socket: `|`-separated rows. */
async function psql(service: string, user: string, database: string, query: string): Promise<string[][]> {
  const [container] = await containers(service);
  if (!container) throw new Error(`no ${service} container`);
  const { stdout } = await docker(['exec', container.id, 'psql', '-U', user, '-d', database, '-Atc', query]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('|'));
}

/** GET inside a container (its own node: the apps publish no port but the API's). */
async function fetchInside(container: Container, url: string): Promise<string> {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); })`;
  return (await docker(['exec', container.id, 'node', '-e', script])).stdout;
}

const api = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${apiPort}${path}`, init);
const authorization = () => `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}`;

function requireImage() {
  if (!imageBuilt) throw new Error('the image did not build: see the first test');
}
function requireUp() {
  requireImage();
  if (!upStatus?.ok) throw new Error(`the stack did not come up:\n${upStatus?.output.slice(-2000) ?? ''}`);
}

/** This machine's extra CA certificates (Debian's local CA folder), or MM_EXTRA_CA_CERTS, as one PEM. */
function extraCaCertificates(): string | undefined {
  if (process.env.MM_EXTRA_CA_CERTS) return readFileSync(process.env.MM_EXTRA_CA_CERTS, 'utf8');
  const dir = '/usr/local/share/ca-certificates';
  if (!existsSync(dir)) return undefined;
  const pems: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(d, entry.name));
      else if (entry.name.endsWith('.crt')) pems.push(readFileSync(join(d, entry.name), 'utf8'));
    }
  };
  walk(dir);
  return pems.length > 0 ? pems.join('\n') : undefined;
}

beforeAll(async () => {
  const engine = await engineVersion();
  if (!engine) {
    throw new Error(
      'no Docker engine answers: start one (CI: .ci/run starts dockerd), or point MM_DOCKER / DOCKER_HOST at it',
    );
  }
  const composeVersion = (
    await run(composeCommand()[0]!, [...composeCommand().slice(1), 'version', '--short'])
  ).stdout;
  log(`Docker engine ${engine}, Compose ${composeVersion.trim()}; project ${project}`);
  tmp = mkdtempSync(join(tmpdir(), 'mm-deploy-'));
  envFile = join(tmp, 'empty.env');
  writeFileSync(envFile, '');
  apiPort = await freePort();
  const ca = extraCaCertificates();
  if (ca) {
    caBundle = join(tmp, 'extra-ca-certs.pem');
    writeFileSync(caBundle, ca, { mode: 0o600 });
  }
  const t = Date.now();
  standIns = await ensureStandIns(baseImages, log);
  figures.push(
    `base images ${Math.round((Date.now() - t) / 1000)} s (${standIns.map((s) => `${s.image} ${s.outcome}`).join(', ')})`,
  );
}, 30 * 60_000);

afterEach(({ task }) => {
  if (task.result?.state === 'fail') anyFailed = true;
});

afterAll(async () => {
  if (apiPort === undefined) return;
  try {
    if (anyFailed) {
      const logs = await composeRun(['logs', '--no-color', '--tail', '40'], { allow: [1] }).catch(
        (e: unknown) => ({
          output: String(e),
        }),
      );
      console.log(`--- docker-compose logs (last 40 lines per container)\n${logs.output}`);
    }
  } finally {
    // Containers, networks and volumes of the project; then the image this run built.
    await composeRun(['down', '--volumes', '--remove-orphans', '--timeout', '10'], {}).catch((e: unknown) =>
      console.error(`docker-compose down failed: ${String(e)}`),
    );
    if (imageBuilt) await docker(['image', 'rm', '--force', image], { allow: [1] });
    const left = [
      ...(await containers()).map((c) => `container ${c.name}`),
      ...(
        await docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])
      ).stdout
        .split('\n')
        .filter(Boolean)
        .map((v) => `volume ${v}`),
      ...(
        await docker(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])
      ).stdout
        .split('\n')
        .filter(Boolean)
        .map((n) => `network ${n}`),
    ];
    if (left.length > 0) console.error(`left behind by ${project}:\n${left.join('\n')}`);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    log(`done: ${figures.join('; ')}`);
  }
}, 5 * 60_000);

describe(`docker-compose.yml, profile demo, ${WORKERS} workers, on Docker`, () => {
  it('builds the image with BuildKit, the extra CA certificates given as a build secret', async () => {
    const t = Date.now();
    await docker(
      [
        'build',
        '--progress=plain',
        ...(caBundle ? ['--secret', `id=extra-ca-certs,src=${caBundle}`] : []),
        '--file',
        dockerfile,
        '--tag',
        image,
        join(root, appBuild.context),
      ],
      {
        env: { ...process.env, DOCKER_BUILDKIT: '1' },
        onLine: (line) => {
          if (/^#\d+ \[/.test(line)) log(`  ${line.slice(0, 160)}`);
        },
      },
    );
    imageBuilt = true;
    const size = (await inspectImage(image))?.size ?? 0;
    figures.push(
      `image build ${Math.round((Date.now() - t) / 1000)} s`,
      `image ${(size / 1e6).toFixed(1)} MB`,
    );
    log(`built ${image}: ${(size / 1e6).toFixed(1)} MB in ${Math.round((Date.now() - t) / 1000)} s`);
    expect(size).toBeGreaterThan(0);
  });

  it('keeps the CA certificates, the compiler and the test tools out of the image', async () => {
    requireImage();
    // A line from the middle of each certificate's body: in no layer, no configuration, no history.
    const needles = [
      ...(caBundle ? readFileSync(caBundle, 'utf8') : '').matchAll(
        /-----BEGIN CERTIFICATE-----\n([\s\S]*?)-----END/g,
      ),
    ]
      .map((m) => m[1]!.split('\n').filter((l) => l.length === 64))
      .map((lines) => lines[Math.floor(lines.length / 2)]!)
      .filter(Boolean);
    if (caBundle) expect(needles.length).toBeGreaterThan(0);
    else log('no extra CA certificates on this machine: nothing to look for in the image');
    expect([...(await imageContains(image, needles))]).toEqual([]);

    const { stdout } = await docker([
      'run',
      '--rm',
      image,
      'node',
      '-e',
      "console.log(require('fs').readdirSync('node_modules/.pnpm').join('\\n'))",
    ]);
    const packages = stdout
      .split('\n')
      .filter(Boolean)
      .map((dir) => dir.replace(/@[^@]+$/, '').replace(/\+/g, '/'));
    expect(packages).toContain('hono');
    expect(packages.filter(isToolchainPackage)).toEqual([]);
  });

  it('comes up: migrate exits 0 once before the apps start, then every service is healthy', async () => {
    requireImage();
    const t = Date.now();
    try {
      const { output } = await composeRun(['up', '--detach', '--no-build'], {
        onLine: (line) => log(`  ${line}`),
      });
      upStatus = { ok: true, output };
    } catch (error) {
      upStatus = { ok: false, output: error instanceof DockerCommandError ? error.output : String(error) };
      throw error;
    }
    const daemons = Object.values(compose.services)
      .filter((s) => s.restart !== 'no')
      .map((s) => s.name);
    const healthy = await until(
      'every long-running service to be healthy',
      async () => {
        const all = await containers();
        const running = all.filter((c) => daemons.includes(c.service));
        const ready =
          running.length === daemons.length - 1 + WORKERS && running.every((c) => c.health === 'healthy');
        return ready ? all : undefined;
      },
      240,
    );
    figures.push(`up to healthy ${Math.round((Date.now() - t) / 1000)} s`);
    log(`healthy in ${Math.round((Date.now() - t) / 1000)} s:\n${describeAll(healthy)}`);

    const migrate = healthy.filter((c) => c.service === 'migrate');
    expect(
      migrate.map((c) => ({ status: c.status, exitCode: c.exitCode, restarts: c.restartCount })),
    ).toEqual([{ status: 'exited', exitCode: 0, restarts: 0 }]);
    // The health check let it start only once PostgreSQL took TCP connections: it never had to wait.
    const migrateLog = (await docker(['logs', migrate[0]!.id])).output;
    expect(migrateLog).toMatch(/"msg":"(migrated|already up to date)"/);
    expect(migrateLog).not.toContain('waiting for the aggregation database');
    for (const app of healthy.filter((c) => ['api', 'scheduler', 'worker'].includes(c.service))) {
      expect(new Date(app.startedAt).getTime(), app.name).toBeGreaterThanOrEqual(
        new Date(migrate[0]!.finishedAt).getTime(),
      );
    }
    const seed = healthy.filter((c) => c.service === 'demo-seed');
    expect(seed.map((c) => [c.status, c.exitCode])).toEqual([['exited', 0]]);
  });

  it('runs every slice of the seeded days to success, with more than one worker taking jobs', async () => {
    requireUp();
    const machines = JSON.parse(readFileSync(join(root, compose.secrets.machines?.file ?? ''), 'utf8')) as {
      machines: Array<{ timezone: string }>;
    };
    const timezone = machines.machines[0]!.timezone;
    const [[first, last, days] = []] = await psql(
      'raw-demo',
      'logger',
      'press01',
      `with d as (select (to_timestamp(date / 1000.0) at time zone '${timezone}')::date as day from variable_log_float)
       select min(day), max(day), max(day) - min(day) + 1 from d`,
    );
    expect(Number(days)).toBeGreaterThan(7);
    const expected = Number(days) * etlIds.length;
    const t = Date.now();
    const succeeded = await until(
      `${expected} slices (${days} days from ${first} to ${last}, ${etlIds.length} ETLs) to succeed`,
      async () => {
        const rows = await psql(
          'postgres',
          'mm',
          'agg',
          `select status, count(*) from etl_runs where day between '${first}' and '${last}' group by status`,
        );
        const by = Object.fromEntries(rows.map(([status, n]) => [status, Number(n)]));
        expect(by.failed ?? 0).toBe(0);
        return by.succeeded === expected ? expected : undefined;
      },
      300,
    );
    expect(succeeded).toBe(expected);
    figures.push(`${expected} slices in ${Math.round((Date.now() - t) / 1000)} s after healthy`);

    const perWorker: Record<string, number> = {};
    for (const worker of await containers('worker')) {
      const metrics = await fetchInside(worker, 'http://127.0.0.1:9100/metrics');
      perWorker[worker.name] = [
        ...metrics.matchAll(/^mm_worker_jobs_total\{[^}]*outcome="completed"[^}]*\} (\d+)/gm),
      ]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0);
    }
    log(`jobs completed per worker: ${JSON.stringify(perWorker)}`);
    expect(Object.values(perWorker).filter((n) => n > 0).length, JSON.stringify(perWorker)).toBeGreaterThan(
      1,
    );
  });

  it('serves the API, the dashboard and Bull Board (401 without the login, 200 with it)', async () => {
    requireUp();
    const status = await api('/api/status');
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      status: 'ok',
      checks: { aggregation_db: 'ok', raw_db: 'ok', redis: 'ok' },
    });

    // The dashboard for a browser (Accept: text/html); API clients get JSON at `/`.
    const page = await api('/', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect((await api(asset)).status, asset).toBe(200);

    expect((await api('/admin/queues')).status).toBe(401);
    const board = await api('/admin/queues', { headers: { authorization: authorization() } });
    expect(board.status).toBe(200);
    expect(await board.text()).toMatch(/<html/i);
  });

  it(`scales the workers to ${SCALED} and back to ${WORKERS}, the extra one draining and exiting 0`, async () => {
    requireUp();
    const migrateBefore = await containers('migrate');
    const before = await containers('worker');
    expect(before.length).toBe(WORKERS);

    await composeRun(['up', '--detach', '--no-build', '--no-deps', '--scale', `worker=${SCALED}`, 'worker']);
    const scaled = await until(
      `${SCALED} healthy workers`,
      async () => {
        const workers = await containers('worker');
        const up = workers.filter((c) => c.status === 'running' && c.health === 'healthy');
        return up.length === SCALED ? workers : undefined;
      },
      120,
    );
    const extra = scaled.find((c) => !before.some((b) => b.id === c.id));
    expect(extra).toBeDefined();
    // Unchanged workers were not restarted by the scale-up.
    for (const b of before) expect(scaled.find((c) => c.id === b.id)?.startedAt, b.name).toBe(b.startedAt);

    // `docker wait` reports the extra worker's exit status when it stops, even though Compose removes it.
    const exitStatus = docker(['wait', extra!.id]);
    const t = Date.now();
    await composeRun(['up', '--detach', '--no-build', '--no-deps', '--scale', `worker=${WORKERS}`, 'worker']);
    const seconds = (Date.now() - t) / 1000;
    expect((await exitStatus).stdout.trim()).toBe('0');
    expect(seconds).toBeLessThan(graceOf('worker'));
    figures.push(`scale ${SCALED} -> ${WORKERS}: ${seconds.toFixed(1)} s`);

    const after = await containers('worker');
    expect(after.map((c) => c.id).sort()).toEqual(before.map((c) => c.id).sort());
    expect(after.every((c) => c.status === 'running')).toBe(true);
    // migrate did not run again.
    expect(await containers('migrate')).toEqual(migrateBefore);
  });

  it('stops every service within its stop_grace_period, each exiting 0', async () => {
    requireUp();
    const runningBefore = (await containers()).filter((c) => c.status === 'running');
    expect(runningBefore.length).toBe(
      Object.values(compose.services).filter((s) => s.restart !== 'no').length - 1 + WORKERS,
    );
    const t = Date.now();
    await composeRun(['stop']);
    figures.push(`stop ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const stopped = await containers();
    for (const before of runningBefore) {
      const c = stopped.find((s) => s.id === before.id)!;
      const seconds = (new Date(c.finishedAt).getTime() - t) / 1000;
      expect({ name: c.name, status: c.status, exitCode: c.exitCode }).toEqual({
        name: c.name,
        status: 'exited',
        exitCode: 0,
      });
      expect(seconds, c.name).toBeLessThan(graceOf(c.service));
    }
    // Each app shut down through its own handler (not killed): its log has the final `stopped`.
    for (const app of stopped.filter((c) => ['api', 'scheduler', 'worker'].includes(c.service))) {
      expect((await docker(['logs', app.id])).stdout, app.name).toContain('"msg":"stopped"');
    }
  });
});
