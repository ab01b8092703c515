import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { docker, inspectImage, removeIfDangling, run } from './docker-cli.ts';

/**
 * Local stand-ins for the base images the Dockerfile and docker-compose.yml name (`node:24-bookworm-slim`,
 * `postgres:15`, `redis:7`), for a Docker engine that can reach no image registry: a minimal Debian root
 * file system from debootstrap, then Node from the npm registry, or Debian's own PostgreSQL or Redis,
 * each behaving as our files rely on the official image to (recipes in deploy/stand-ins/,
 * differences in deploy/README.md).
 *
 * Every stand-in carries the label STAND_IN_LABEL with a hash of its recipe and inputs: an image
 * with the same hash is reused, one with another hash is rebuilt (and the old one removed), and an
 * image of that name without the label (a real one, from a registry) is used as it is.
 */
export const STAND_IN_LABEL = 'org.machine-monitoring.stand-in';

export class StandInError extends Error {
  override name = 'StandInError';
}

const recipes = fileURLToPath(new URL('../../stand-ins/', import.meta.url));
export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

type Kind = 'node' | 'postgres' | 'redis';

/** What a base image name asks for. */
export interface StandInSpec {
  image: string;
  kind: Kind;
  /** The Debian release it is built on. */
  suite: string;
  /** The major version of its program (Node, PostgreSQL, Redis). */
  major: string;
}

/**
 * Which stand-in an image name calls for; names without a Debian release get `defaultSuite`.
 *
 * @example
 * standInSpec('node:24-bookworm-slim', 'bookworm'); // { kind: 'node', major: '24', suite: 'bookworm', … }
 * standInSpec('postgres:15', 'bookworm');          // { kind: 'postgres', major: '15', suite: 'bookworm', … }
 */
export function standInSpec(image: string, defaultSuite: string): StandInSpec {
  const node = /^node:(\d+)-([a-z]+)-slim$/.exec(image);
  if (node) return { image, kind: 'node', major: node[1]!, suite: node[2]! };
  const other = /^(postgres|redis):(\d+)$/.exec(image);
  if (other) return { image, kind: other[1] as Kind, major: other[2]!, suite: defaultSuite };
  throw new StandInError(
    `no stand-in recipe for ${image}: deploy/stand-ins has node:<major>-<suite>-slim, postgres:<major> and redis:<major>`,
  );
}

export interface AptSources {
  mirror: string;
  security: string;
}

/**
 * The Debian mirror and security mirror that apt source files name for a suite: one-line
 * (`*.list`) and deb822 (`*.sources`) formats, the first entry for each suite winning.
 *
 * @example
 * parseAptSources([{ name: 'debian.sources', text: 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm' }], 'bookworm');
 * // { mirror: 'http://deb.debian.org/debian', security: undefined }
 */
export function parseAptSources(
  files: Array<{ name: string; text: string }>,
  suite: string,
): { mirror?: string; security?: string } {
  const entries: Array<{ uri: string; suites: string[] }> = [];
  for (const { name, text } of files) {
    if (name.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (key: string) =>
          new RegExp(`^${key}:[ \\t]*(.+)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
        if (!field('Types').includes('deb') || /^Enabled:\s*no\b/im.test(stanza)) continue;
        for (const uri of field('URIs')) entries.push({ uri, suites: field('Suites') });
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
        if (m) entries.push({ uri: m[1]!, suites: [m[2]!] });
      }
    }
  }
  const find = (wanted: string) => entries.find((e) => e.suites.includes(wanted))?.uri.replace(/\/$/, '');
  const mirror = find(suite);
  const security = find(`${suite}-security`);
  return { ...(mirror ? { mirror } : {}), ...(security ? { security } : {}) };
}

/** {@link parseAptSources} over this machine's `/etc/apt/sources.list` and `sources.list.d`. */
export function hostAptSources(suite: string, dir = '/etc/apt'): AptSources {
  const listDir = join(dir, 'sources.list.d');
  const names = [
    join(dir, 'sources.list'),
    ...(existsSync(listDir)
      ? readdirSync(listDir)
          .filter((f) => f.endsWith('.list') || f.endsWith('.sources'))
          .sort()
          .map((f) => join(listDir, f))
      : []),
  ].filter((f) => existsSync(f));
  const { mirror, security } = parseAptSources(
    names.map((name) => ({ name, text: readFileSync(name, 'utf8') })),
    suite,
  );
  if (!mirror || !security) {
    throw new StandInError(
      `no Debian mirror for ${suite} and ${suite}-security in ${names.join(', ') || `${dir} (no sources)`}`,
    );
  }
  return { mirror, security };
}

/** This machine's Debian release (`VERSION_CODENAME` of /etc/os-release). */
export function hostSuite(osRelease = '/etc/os-release'): string {
  const codename = existsSync(osRelease)
    ? /^VERSION_CODENAME=(\S+)$/m.exec(readFileSync(osRelease, 'utf8'))?.[1]
    : undefined;
  if (!codename) throw new StandInError(`no VERSION_CODENAME in ${osRelease}: stand-ins need a Debian host`);
  return codename;
}

/**
 * The npm major each Node major's official image ships (the registry's node-linux package carries
 * Node alone).
 */
const npmMajorOfNode: Record<string, string> = { '24': '11' };

/** The highest of the versions `npm view <package>@<range> version --json` printed. */
export function highestVersion(json: string): string {
  const found = ([] as string[]).concat(JSON.parse(json) as string | string[]);
  const key = (v: string) => v.split(/[.+-]/).map((n) => Number.parseInt(n, 10) || 0);
  found.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  });
  const last = found.at(-1);
  if (!last) throw new StandInError('the npm registry listed no version');
  return last;
}

export type StandInLog = (line: string) => void;

export interface StandInResult {
  image: string;
  /** `reused`: a stand-in with the same hash was there; `built`; `official`: an image without our label. */
  outcome: 'reused' | 'built' | 'official';
  seconds: number;
}

function hashOf(parts: unknown[], dir: string): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(parts));
  for (const file of readdirSync(dir).sort()) {
    hash.update(`\0${file}\0`);
    hash.update(readFileSync(join(dir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Builds the image `name` unless one with the recipe hash `hash` (or an official one) is there. */
async function ensure(
  name: string,
  hash: () => Promise<string>,
  build: (hash: string) => Promise<void>,
  log: StandInLog,
): Promise<StandInResult> {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  const existing = await inspectImage(name);
  if (existing && existing.labels[STAND_IN_LABEL] === undefined) {
    log(`${name}: an image without the stand-in label is there; using it as it is`);
    return { image: name, outcome: 'official', seconds: seconds() };
  }
  const wanted = await hash();
  if (existing?.labels[STAND_IN_LABEL] === wanted) {
    log(`${name}: stand-in ${wanted} already built`);
    return { image: name, outcome: 'reused', seconds: seconds() };
  }
  log(
    `${name}: building stand-in ${wanted}${existing ? `, replacing ${existing.labels[STAND_IN_LABEL]}` : ''}`,
  );
  await build(wanted);
  if (existing) await removeIfDangling(existing.id);
  log(`${name}: built in ${seconds()} s`);
  return { image: name, outcome: 'built', seconds: seconds() };
}

/** `docker build` of a stand-in recipe folder plus extra files, logging each build step. */
async function buildRecipe(
  kind: Kind,
  name: string,
  hash: string,
  buildArgs: Record<string, string>,
  log: StandInLog,
  addFiles: (context: string) => Promise<void> = async () => {},
): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), `mm-stand-in-${kind}-`));
  try {
    cpSync(join(recipes, kind), context, { recursive: true });
    await addFiles(context);
    await docker(
      [
        'build',
        '--progress=plain',
        '--label',
        `${STAND_IN_LABEL}=${hash}`,
        ...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
        '--tag',
        name,
        context,
      ],
      {
        env: { ...process.env, DOCKER_BUILDKIT: '1' },
        onLine: (line) => {
          if (/^#\d+ \[/.test(line) || /error/i.test(line)) log(`  ${line}`);
        },
      },
    );
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** The Debian base of every stand-in: debootstrap's minbase from this machine's mirror, imported. */
async function ensureBase(suite: string, log: StandInLog): Promise<{ name: string; hash: string }> {
  const name = `mm-stand-in/debian:${suite}-slim`;
  const recipe = join(recipes, 'debian');
  const sources = hostAptSources(suite);
  const hash = hashOf(['debian', suite, sources], recipe);
  await ensure(
    name,
    async () => hash,
    async () => {
      if (process.getuid?.() !== 0) throw new StandInError(`building ${name} needs root (debootstrap)`);
      const work = mkdtempSync(join(tmpdir(), 'mm-rootfs-'));
      const rootfs = join(work, 'rootfs');
      try {
        let lines = 0;
        await run(
          'bash',
          [join(recipe, 'build-rootfs.sh'), suite, rootfs, sources.mirror, sources.security],
          {
            // debootstrap prints a line or two per package: every 50th shows it is moving.
            onLine: (line) => {
              if (++lines % 50 === 0 || /^E:/.test(line)) log(`  debootstrap: ${line}`);
            },
          },
        );
        // Archived to a file first: `docker import` of a stream cut short would still make an image.
        const archive = join(work, 'rootfs.tar');
        await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', archive, '.']);
        await docker([
          'import',
          '--change',
          'CMD ["bash"]',
          '--change',
          `LABEL ${STAND_IN_LABEL}=${hash}`,
          archive,
          name,
        ]);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
    log,
  );
  return { name, hash };
}

async function npmView(spec: string): Promise<string> {
  return highestVersion((await run('npm', ['view', spec, 'version', '--json'])).stdout);
}

/** Node from the registry's node-linux package, as CI installs it (.ci/install-node, cached). */
async function registryNode(major: string): Promise<{ bin: string; version: string }> {
  const { stdout } = await run('bash', [join(repositoryRoot, '.ci/install-node')], {
    env: { ...process.env, NODE_MAJOR: major },
  });
  const bin = stdout.trim();
  const version = (await run(join(bin, 'node'), ['--version'])).stdout.trim().replace(/^v/, '');
  return { bin, version };
}

async function ensureOne(
  spec: StandInSpec,
  base: () => Promise<{ name: string; hash: string }>,
  log: StandInLog,
): Promise<StandInResult> {
  const recipe = join(recipes, spec.kind);
  switch (spec.kind) {
    case 'node': {
      const npmMajor = npmMajorOfNode[spec.major];
      if (!npmMajor)
        throw new StandInError(`which npm ships with Node ${spec.major}? add it to npmMajorOfNode`);
      let inputs: {
        node: { bin: string; version: string };
        npm: string;
        base: { name: string; hash: string };
      };
      return ensure(
        spec.image,
        async () => {
          inputs = {
            node: await registryNode(spec.major),
            npm: await npmView(`npm@${npmMajor}`),
            base: await base(),
          };
          return hashOf(['node', inputs.node.version, inputs.npm, inputs.base.hash], recipe);
        },
        (hash) =>
          buildRecipe(
            'node',
            spec.image,
            hash,
            { BASE: inputs.base.name, NODE_VERSION: inputs.node.version },
            log,
            async (ctx) => {
              cpSync(join(inputs.node.bin, 'node'), join(ctx, 'node'));
              const packed = await run('npm', [
                'pack',
                '--json',
                '--pack-destination',
                ctx,
                `npm@${inputs.npm}`,
              ]);
              const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
              mkdirSync(join(ctx, 'npm'));
              await run('tar', ['-xzf', join(ctx, filename), '-C', join(ctx, 'npm'), '--strip-components=1']);
              rmSync(join(ctx, filename));
            },
          ),
        log,
      );
    }
    case 'postgres':
    case 'redis': {
      const arg = spec.kind === 'postgres' ? 'PG_MAJOR' : 'REDIS_MAJOR';
      let baseImage: { name: string; hash: string };
      return ensure(
        spec.image,
        async () => {
          baseImage = await base();
          return hashOf([spec.kind, spec.major, baseImage.hash], recipe);
        },
        (hash) => buildRecipe(spec.kind, spec.image, hash, { BASE: baseImage.name, [arg]: spec.major }, log),
        log,
      );
    }
  }
}

/**
 * Makes sure every named base image exists, building stand-ins where needed (the Debian base first,
 * once per suite). Cold, this takes minutes (debootstrap, apt); warm, a few registry look-ups.
 *
 * @example
 * await ensureStandIns(['node:24-bookworm-slim', 'postgres:15', 'redis:7'], console.log);
 */
export async function ensureStandIns(images: string[], log: StandInLog): Promise<StandInResult[]> {
  const defaultSuite = hostSuite();
  const bases = new Map<string, Promise<{ name: string; hash: string }>>();
  const baseOf = (suite: string) => {
    let base = bases.get(suite);
    if (!base) {
      base = ensureBase(suite, log);
      bases.set(suite, base);
    }
    return base;
  };
  const results: StandInResult[] = [];
  // One at a time: each build already keeps this machine's cores busy.
  for (const image of [...new Set(images)]) {
    const spec = standInSpec(image, defaultSuite);
    results.push(await ensureOne(spec, () => baseOf(spec.suite), log));
  }
  return results;
}
