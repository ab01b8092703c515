/**
 * Worker hosts as Linux network namespaces (`pnpm test:partitions`): a bridge in the root namespace
 * holding the services' address, one namespace per host joined to it by a veth pair, and the faults
 * a host's network can have, each applied inside that host's namespace only. Needs root, `ip`
 * (iproute2) and `iptables`.
 *
 * Names carry the run's id (its start, seconds since the epoch in base 36, so they sort by age):
 * bridge `mmpt-br<id>`, namespaces `mmpt-<id>-w<n>`, veth ends `mmpt-<id>-h<n>` (bridge side) and
 * `eth0` (host side). A run records its process id in `<tmpdir>/mmpt-<id>.pid`; a later run removes
 * what an older run left behind once that process is gone (a crash, a SIGKILL), never what a run
 * still alive owns.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExit } from './exit-hooks.ts';

const PREFIX = 'mmpt-';

/** Runs a command; throws with its stderr when it fails. */
function sh(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || (error as Error).message}`);
  }
}

/** Runs a clean-up command; a thing already gone is no error. */
function quietly(command: string, args: readonly string[]): void {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
  } catch {}
}

export interface Host {
  /** `w1`, `w2`, … */
  readonly name: string;
  /** The network namespace (`mmpt-<id>-w<n>`). */
  readonly namespace: string;
  /** The host's address on the bridge. */
  readonly address: string;
  /** The command prefix that runs a program inside the host: `['ip', 'netns', 'exec', namespace]`. */
  readonly exec: readonly string[];
  /** Drops every TCP packet between the host and `ports` of the services' address, both ways. */
  cut(ports: readonly number[]): void;
  /** Removes the rules `cut` added. */
  heal(): void;
  /** Takes the host's interface down: the host vanishes from the network, its processes go on. */
  linkDown(): void;
  /** Undoes every fault (rules, link) for the next test; not a heal: the test's workers are gone by then. */
  restore(): void;
  /** An HTTP GET from inside the host (its loopback): status and body, or `null` when nothing answered. */
  httpGet(port: number, path: string): { status: number; body: string } | null;
}

export interface Network {
  readonly runId: string;
  readonly bridge: string;
  /** The bridge's address in the root namespace, where the services listen. */
  readonly serviceAddress: string;
  /** The /24 the hosts live in. */
  readonly subnet: string;
  readonly hosts: readonly Host[];
  /** Kills every process left inside the namespaces, then removes namespaces, links and bridge. Idempotent. */
  destroy(): void;
}

/**
 * Creates the bridge and `hostCount` namespaces. Fails loudly (never skips) when namespaces cannot be
 * created, naming what is missing. Removes leftovers of dead older runs first.
 *
 * @example
 * const net = createNetwork(3);
 * try { spawn(...net.hosts[0].exec, 'node', ...) } finally { net.destroy() }
 */
export function createNetwork(hostCount: number): Network {
  preflight();
  const started = Math.floor(Date.now() / 1000);
  const runId = started.toString(36).padStart(6, '0');
  sweepLeftovers(runId);
  const pidFile = join(tmpdir(), `${PREFIX}${runId}.pid`);
  writeFileSync(pidFile, String(process.pid));

  const subnet = freeSubnet();
  const serviceAddress = `${subnet}.1`;
  const bridge = `${PREFIX}br${runId}`;
  const namespaces: string[] = [];
  const links: string[] = [];
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    forget();
    // The pair goes with either end; a deleted namespace's own end may take the kernel a while.
    for (const link of links) quietly('ip', ['link', 'del', link]);
    for (const namespace of namespaces) removeNamespace(namespace);
    quietly('ip', ['link', 'del', bridge]);
    rmSync(pidFile, { force: true });
  };
  // A test that throws, a vitest worker that exits or is told to stop: the network goes with it.
  const forget = onExit(destroy);

  try {
    sh('ip', ['link', 'add', bridge, 'type', 'bridge']);
    sh('ip', ['addr', 'add', `${serviceAddress}/24`, 'dev', bridge]);
    sh('ip', ['link', 'set', bridge, 'up']);
    const hosts: Host[] = [];
    for (let n = 1; n <= hostCount; n++) {
      const namespace = `${PREFIX}${runId}-w${n}`;
      const outer = `${PREFIX}${runId}-h${n}`;
      const inner = `${PREFIX}${runId}-i${n}`;
      const address = `${subnet}.${10 + n}`;
      sh('ip', ['netns', 'add', namespace]);
      namespaces.push(namespace);
      sh('ip', ['link', 'add', outer, 'type', 'veth', 'peer', 'name', inner]);
      links.push(outer);
      sh('ip', ['link', 'set', inner, 'netns', namespace]);
      sh('ip', ['link', 'set', outer, 'master', bridge, 'up']);
      const inNs = (...args: string[]) => sh('ip', ['-n', namespace, ...args]);
      inNs('link', 'set', inner, 'name', 'eth0');
      inNs('addr', 'add', `${address}/24`, 'dev', 'eth0');
      inNs('link', 'set', 'eth0', 'up');
      inNs('link', 'set', 'lo', 'up');
      hosts.push(makeHost(`w${n}`, namespace, address, serviceAddress));
    }
    return { runId, bridge, serviceAddress, subnet: `${subnet}.0/24`, hosts, destroy };
  } catch (error) {
    destroy();
    throw error;
  }
}

function makeHost(name: string, namespace: string, address: string, serviceAddress: string): Host {
  const exec = ['ip', 'netns', 'exec', namespace] as const;
  const iptables = (...args: string[]) => sh(exec[0], [...exec.slice(1), 'iptables', ...args]);
  return {
    name,
    namespace,
    address,
    exec,
    cut(ports) {
      for (const port of ports) {
        const p = String(port);
        iptables('-A', 'OUTPUT', '-p', 'tcp', '-d', serviceAddress, '--dport', p, '-j', 'DROP');
        iptables('-A', 'INPUT', '-p', 'tcp', '-s', serviceAddress, '--sport', p, '-j', 'DROP');
      }
    },
    heal() {
      iptables('-F', 'OUTPUT');
      iptables('-F', 'INPUT');
    },
    linkDown() {
      sh('ip', ['-n', namespace, 'link', 'set', 'eth0', 'down']);
    },
    restore() {
      iptables('-F', 'OUTPUT');
      iptables('-F', 'INPUT');
      sh('ip', ['-n', namespace, 'link', 'set', 'eth0', 'up']);
    },
    httpGet(port, path) {
      try {
        const out = execFileSync(
          exec[0],
          [
            ...exec.slice(1),
            'curl',
            '-s',
            '-m',
            '1',
            '-w',
            '\n%{http_code}',
            `http://127.0.0.1:${port}${path}`,
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 3000 },
        );
        const cut = out.lastIndexOf('\n');
        const status = Number(out.slice(cut + 1));
        return status > 0 ? { status, body: out.slice(0, cut) } : null;
      } catch {
        return null;
      }
    },
  };
}

function preflight(): void {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('must run as root (network namespaces, veth, iptables)');
  for (const [tool, args] of [
    ['ip', ['-V']],
    ['iptables', ['-V']],
    ['curl', ['--version']],
  ] as const) {
    try {
      execFileSync(tool, args, { stdio: 'ignore' });
    } catch {
      problems.push(`'${tool}' is not installed (apt-get install iproute2 iptables curl)`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`cannot build the partition test's network:\n  - ${problems.join('\n  - ')}`);
  }
}

/** A 10.213.x.0/24 that no interface of the machine uses yet (a concurrent run has its own). */
function freeSubnet(): string {
  const used = sh('ip', ['-4', '-o', 'addr', 'show']);
  for (let attempt = 0; attempt < 200; attempt++) {
    const candidate = `10.213.${1 + Math.floor(Math.random() * 250)}`;
    if (!used.includes(` ${candidate}.`)) return candidate;
  }
  throw new Error('no free 10.213.x.0/24 subnet for the partition test');
}

function removeNamespace(namespace: string): void {
  // `ip netns pids` lists the processes inside; they must go before the namespace can disappear.
  let pids: string[] = [];
  try {
    pids = execFileSync('ip', ['netns', 'pids', namespace], { encoding: 'utf8' })
      .split(/\s+/)
      .filter(Boolean);
  } catch {}
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {}
  }
  quietly('ip', ['netns', 'del', namespace]);
}

function ownerAlive(runId: string): boolean {
  const pidFile = join(tmpdir(), `${PREFIX}${runId}.pid`);
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes namespaces, links and pid files of runs older than `runId` whose process is gone. */
export function sweepLeftovers(runId: string): string[] {
  const removed: string[] = [];
  const stale = (id: string) => id < runId && !ownerAlive(id);
  const namespaces = sh('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(PREFIX));
  for (const namespace of namespaces) {
    const id = namespace.slice(PREFIX.length, PREFIX.length + 6);
    if (!stale(id)) continue;
    removeNamespace(namespace);
    removed.push(namespace);
  }
  const links = sh('ip', ['-o', 'link', 'show'])
    .split('\n')
    .map((line) => line.split(': ')[1]?.split('@')[0] ?? '')
    .filter((name) => name.startsWith(PREFIX));
  for (const link of links) {
    const id = link.startsWith(`${PREFIX}br`)
      ? link.slice(PREFIX.length + 2)
      : link.slice(PREFIX.length, PREFIX.length + 6);
    if (!stale(id)) continue;
    quietly('ip', ['link', 'del', link]);
    removed.push(link);
  }
  for (const file of readdirSync(tmpdir())) {
    const match = /^mmpt-([0-9a-z]{6})\.pid$/.exec(file);
    if (match?.[1] && stale(match[1])) rmSync(join(tmpdir(), file), { force: true });
  }
  return removed;
}
