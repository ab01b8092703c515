// The deployment files read as an operator's tools would: what each must promise, checked without a
// Docker engine. The commands themselves run in compose-commands.int.test.ts, and `pnpm test:deploy`
// (compose-stack.docker.test.ts) builds the image and brings the file up on one.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerProcessEnv } from '@mm/worker-core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { durationSeconds, readComposeFile } from './compose-file.ts';
import { isToolchainPackage } from './toolchain-packages.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const compose = readComposeFile(join(root, 'docker-compose.yml'));
const services = Object.values(compose.services);
const appImage = compose.services.api?.image;
const apps = services.filter((s) => s.image === appImage);
const oneShots = apps.filter((s) => s.restart === 'no');
const daemons = services.filter((s) => s.restart !== 'no');

describe('docker-compose.yml', () => {
  it('runs the app services from one image, each with its own command', () => {
    expect(appImage).toBeTruthy();
    expect(apps.map((s) => s.name).sort()).toEqual(['api', 'demo-seed', 'migrate', 'scheduler', 'worker']);
    for (const s of apps) expect(s.command, s.name).toBeDefined();
  });

  it('builds the app image from deploy/Dockerfile, the repository being the build context', () => {
    for (const s of apps) expect(s.build, s.name).toEqual({ context: '.', dockerfile: 'deploy/Dockerfile' });
  });

  it('scales the workers', () => {
    expect(compose.services.worker?.replicas).toBeGreaterThan(1);
  });

  it('health-checks every long-running service; one-shots are judged by their exit code', () => {
    for (const s of daemons) expect(s.healthcheck, s.name).toBeDefined();
    expect(oneShots.map((s) => s.name).sort()).toEqual(['demo-seed', 'migrate']);
  });

  it('starts the apps only after migrate exited 0, and migrate once PostgreSQL is healthy', () => {
    expect(compose.services.migrate?.dependsOn).toEqual({ postgres: 'service_healthy' });
    for (const s of apps.filter((s) => !s.profiles.includes('demo') && s.name !== 'migrate')) {
      expect(s.dependsOn.migrate, s.name).toBe('service_completed_successfully');
      expect(s.dependsOn.redis, s.name).toBe('service_healthy');
    }
  });

  it('gives a worker time to drain: stop_grace_period is its DRAIN_TIMEOUT_SECONDS plus a margin', () => {
    const worker = compose.services.worker!;
    const drainSeconds = workerProcessEnv.shape.DRAIN_TIMEOUT_SECONDS.parse(
      worker.environment.DRAIN_TIMEOUT_SECONDS || undefined,
    );
    expect(worker.stopGracePeriodSeconds).toBeGreaterThanOrEqual(drainSeconds + 15);
  });

  it('configures Redis for BullMQ: noeviction and append-only persistence', () => {
    const command = compose.services.redis?.command?.join(' ') ?? '';
    expect(command).toMatch(/--maxmemory-policy noeviction\b/);
    expect(command).toMatch(/--appendonly yes\b/);
  });

  it('reads the machines file from a secret, outside the image', () => {
    expect(compose.secrets.machines?.file).toBeTruthy();
    for (const s of daemons.filter((s) => s.image === appImage)) {
      expect(s.secrets, s.name).toContain('machines');
      expect(s.environment.MACHINES_FILE, s.name).toBe('/run/secrets/machines');
    }
  });

  it('lists in .env.example every variable it reads from .env, and no other', () => {
    const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    const read = new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!));
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
    expect([...listed].sort()).toEqual([...read].sort());
  });

  it("health-checks PostgreSQL over TCP, which the socket-only server of the image's first start refuses", () => {
    const databases = services.filter((s) => s.image?.startsWith('postgres:'));
    expect(databases.map((s) => s.name).sort()).toEqual(['postgres', 'raw-demo']);
    for (const s of databases) {
      const test = s.healthcheck?.test ?? [];
      expect(test.slice(0, 2), s.name).toEqual(['CMD', 'pg_isready']);
      const host = test[test.indexOf('-h') + 1];
      expect(test.includes('-h') ? host : undefined, `${s.name}: pg_isready -h`).toMatch(
        /^(127\.0\.0\.1|::1)$/,
      );
    }
  });

  it('keeps demo-only services behind the demo profile', () => {
    const demo = services.filter((s) => s.profiles.includes('demo')).map((s) => s.name);
    expect(demo.sort()).toEqual(['demo-seed', 'raw-demo']);
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'deploy/Dockerfile'), 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  // Instructions with their continuation lines joined.
  const instructions = dockerfile
    .replace(/\\\n(\s*#.*\n)*/g, ' ')
    .split('\n')
    .filter((line) => /^[A-Z]+\s/.test(line));

  it('names no syntax frontend, which BuildKit would fetch from a registry', () => {
    expect(dockerfile).not.toMatch(/^#\s*syntax\s*=/im);
  });

  it('takes extra CA certificates as a build secret for every download, and never into a layer', () => {
    const downloads = instructions.filter((i) =>
      /^RUN .*\b(npm install|pnpm fetch|pnpm install(?!.*--offline))/.test(i),
    );
    expect(downloads.length).toBeGreaterThan(0);
    for (const run of downloads) {
      expect(run).toMatch(/^RUN --mount=type=secret,id=extra-ca-certs /);
      expect(run).toContain('NODE_EXTRA_CA_CERTS=/run/secrets/extra-ca-certs');
    }
    expect(instructions.filter((i) => /^(ENV|ARG)\b.*(CA_CERT|\.pem|\.crt)/i.test(i))).toEqual([]);
    expect(instructions.filter((i) => /^(COPY|ADD)\b.*(\.pem|\.crt|ca-certificates)/i.test(i))).toEqual([]);
  });

  it('installs no development-only package into the production tree (no compiler, no test tools)', () => {
    // The production install's own command, run as a listing over this checkout's install.
    const install = /pnpm install [^\n]*--prod[^\n]*/.exec(dockerfile)?.[0] ?? '';
    const filters = [...install.matchAll(/--filter '([^']+)'/g)].map((m) => m[1]!);
    expect(install).not.toBe('');
    const listing = spawnSync(
      'pnpm',
      [
        'list',
        '--recursive',
        '--prod',
        '--depth',
        'Infinity',
        '--json',
        ...filters.flatMap((f) => ['--filter', f]),
      ],
      { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    expect(listing.status, listing.stderr).toBe(0);
    type Tree = Record<string, { dependencies?: Tree; optionalDependencies?: Tree }>;
    const installed = new Set<string>();
    // Every occurrence is walked: pnpm lists a package's dependencies under one of its occurrences only.
    const walk = (tree: Tree | undefined, depth: number) => {
      if (depth > 50) throw new Error('pnpm list: dependency tree deeper than 50');
      for (const [name, node] of Object.entries(tree ?? {})) {
        installed.add(name);
        walk(node.dependencies, depth + 1);
        walk(node.optionalDependencies, depth + 1);
      }
    };
    for (const project of JSON.parse(listing.stdout) as Array<{ dependencies?: Tree }>) {
      walk(project.dependencies, 0);
    }
    expect(installed.size).toBeGreaterThan(20);

    expect([...installed].filter(isToolchainPackage).sort()).toEqual([]);
  });

  it('runs the last stage as a non-root user with tini as PID 1 and node, never pnpm', () => {
    const user = [...runtime.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    expect(runtime).toMatch(/^CMD \["node", /m);
    expect(runtime).not.toMatch(/pnpm/);
  });

  it('copies into the runtime tree every file the compose commands and health checks run', () => {
    const copied = /cp -a --parents([\s\S]*?)\s\/app\//.exec(dockerfile)?.[1];
    expect(copied).toBeDefined();
    const patterns = (copied ?? '').split(/[\s\\]+/).filter(Boolean);
    const covered = (path: string) =>
      patterns.some((p) => new RegExp(`^${p.replace(/\./g, '\\.').replace(/\*/g, '[^/]+')}(/|$)`).test(path));
    for (const s of apps) {
      const scripts = [...(s.command ?? []), ...(s.healthcheck?.test ?? [])]
        .join(' ')
        .match(/\b(?:apps|packages|deploy)\/[\w./-]+\.m?js\b/g);
      expect(scripts, s.name).not.toBeNull();
      for (const script of scripts ?? []) expect(covered(script), `${s.name}: ${script}`).toBe(true);
    }
  });
});

describe('deploy/prometheus/alerts.yml', () => {
  const rules = parse(readFileSync(join(root, 'deploy/prometheus/alerts.yml'), 'utf8')) as {
    groups: Array<{ name: string; rules: Array<Record<string, unknown>> }>;
  };

  it('is a Prometheus rule file: named groups of alerts with an expression, a severity and a summary', () => {
    expect(rules.groups.length).toBeGreaterThan(0);
    const names = new Set<string>();
    for (const group of rules.groups) {
      expect(group.name).toBeTruthy();
      for (const rule of group.rules) {
        expect(
          Object.keys(rule).every((k) => ['alert', 'expr', 'for', 'labels', 'annotations'].includes(k)),
        ).toBe(true);
        expect(typeof rule.alert).toBe('string');
        expect(names.has(rule.alert as string), `duplicate ${rule.alert}`).toBe(false);
        names.add(rule.alert as string);
        expect(typeof rule.expr).toBe('string');
        if (rule.for !== undefined) expect(durationSeconds(String(rule.for))).toBeGreaterThan(0);
        expect(['warning', 'critical']).toContain((rule.labels as Record<string, string>).severity);
        expect((rule.annotations as Record<string, string>).summary).toBeTruthy();
      }
    }
  });

  it('alerts on failed and stale days, queue age and absent workers', () => {
    const exprs = rules.groups.flatMap((g) => g.rules.map((r) => String(r.expr))).join('\n');
    expect(exprs).toMatch(/mm_etl_ledger_days\{status="failed"\}/);
    expect(exprs).toMatch(/mm_etl_ledger_days\{status="stale"\}/);
    expect(exprs).toMatch(/oldest_waiting/);
    expect(exprs).toMatch(/absent\(up\{job="mm-worker"\}/);
  });
});

describe('the deployment folder', () => {
  it('holds every Dockerfile and compose file but docker-compose.yml, which stays at the top with its .env', () => {
    const files = execFileSync('git', ['ls-files', '*Dockerfile*', '*compose*.yml', '*compose*.yaml'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
    expect(files).toContain('deploy/Dockerfile');
    // The stand-in images' recipes are the deployment test's own, beside it.
    expect(files.filter((f) => f !== 'docker-compose.yml' && !f.startsWith('deploy/'))).toEqual([]);
  });
});
