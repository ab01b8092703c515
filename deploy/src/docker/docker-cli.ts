import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** A docker or docker-compose command that exited non-zero, with the end of what it printed. */
export class DockerCommandError extends Error {
  override name = 'DockerCommandError';
  constructor(
    readonly command: string,
    readonly status: number | null,
    readonly output: string,
  ) {
    super(`${command} exited ${status}:\n${lastLines(output, 40)}`);
  }
}

/** The last `count` lines as a terminal shows them (a progress line redrawn with `\r` shows its end). */
export function lastLines(output: string, count: number): string {
  return output
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('\r', line.length - 2) + 1).slice(0, 500))
    .slice(-count)
    .join('\n');
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each line of output as it comes (progress of long builds). */
  onLine?: (line: string) => void;
  /** Exit statuses that are not an error (the caller reads the status). */
  allow?: number[];
}

export interface RunResult {
  status: number | null;
  stdout: string;
  /** stdout and stderr interleaved, as a terminal would show them. */
  output: string;
}

/**
 * Runs a command to completion without a shell, capturing its output.
 *
 * @example
 * const { stdout } = await run('/usr/bin/docker', ['image', 'ls', '-q']);
 */
export function run(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let output = '';
    let partial = '';
    const take = (chunk: Buffer, isStdout: boolean) => {
      const text = chunk.toString();
      if (isStdout) stdout += text;
      output += text;
      if (options.onLine) {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) options.onLine(line);
      }
    };
    child.stdout?.on('data', (chunk: Buffer) => take(chunk, true));
    child.stderr?.on('data', (chunk: Buffer) => take(chunk, false));
    child.once('error', reject);
    child.once('close', (status) => {
      if (partial && options.onLine) options.onLine(partial);
      const command = [file, ...args].join(' ');
      if (status === 0 || (status !== null && options.allow?.includes(status))) {
        resolve({ status, stdout, output });
      } else {
        reject(new DockerCommandError(command, status, output));
      }
    });
  });
}

/**
 * The Docker client to use: `MM_DOCKER`, else Debian's `/usr/bin/docker` (a newer client earlier on
 * PATH may lack the BuildKit support this engine needs), else `docker` from PATH.
 */
export function dockerBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MM_DOCKER) return env.MM_DOCKER;
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

/**
 * How to run Compose: `MM_DOCKER_COMPOSE` (a command line, split on spaces), else the standalone
 * `docker-compose` (Debian's 1.29), else the `docker compose` plugin.
 */
export function composeCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.MM_DOCKER_COMPOSE) return env.MM_DOCKER_COMPOSE.split(/\s+/).filter(Boolean);
  for (const path of ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose']) {
    if (existsSync(path)) return [path];
  }
  return [dockerBinary(env), 'compose'];
}

/**
 * Runs the Docker client.
 *
 * @example
 * const id = (await docker(['image', 'inspect', '-f', '{{.Id}}', 'redis:7'])).stdout.trim();
 */
export function docker(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run(dockerBinary(options.env), args, options);
}

/** Whether a Docker engine answers, and its version. */
export async function engineVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await docker(['version', '--format', '{{.Server.Version}}']);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** An image's id and labels, or undefined when no image has that name. */
export async function inspectImage(
  name: string,
): Promise<{ id: string; labels: Record<string, string>; size: number } | undefined> {
  const { status, stdout } = await docker(['image', 'inspect', '--format', '{{json .}}', name], {
    allow: [1],
  });
  if (status !== 0) return undefined;
  const image = JSON.parse(stdout) as {
    Id: string;
    Size: number;
    Config?: { Labels?: Record<string, string> };
  };
  return { id: image.Id, labels: image.Config?.Labels ?? {}, size: image.Size };
}

/**
 * Removes an image by id if no tag names it any more (a rebuilt tag leaves the old image dangling);
 * an image still tagged or used by a container is left alone.
 */
export async function removeIfDangling(id: string): Promise<void> {
  const { status, stdout } = await docker(['image', 'inspect', '--format', '{{len .RepoTags}}', id], {
    allow: [1],
  });
  if (status === 0 && stdout.trim() === '0') await docker(['image', 'rm', id], { allow: [1] });
}

/**
 * Which of `needles` occur anywhere in an image: every layer's files, its configuration and history,
 * as `docker save` writes them (uncompressed tar), searched as a stream.
 *
 * @example
 * await imageContains('machine-monitoring:latest', ['MIIDdzCCAl+gAwIBAgIE']); // Set {} when absent
 */
export function imageContains(image: string, needles: string[]): Promise<Set<string>> {
  return new Promise((resolve, reject) => {
    const wanted = needles.map((n) => Buffer.from(n));
    const overlap = Math.max(0, ...wanted.map((n) => n.length)) - 1;
    const found = new Set<string>();
    let tail = Buffer.alloc(0);
    let stderr = '';
    const child = spawn(dockerBinary(), ['save', image], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => {
      const window = Buffer.concat([tail, chunk]);
      wanted.forEach((needle, i) => {
        if (window.includes(needle)) found.add(needles[i]!);
      });
      tail = window.subarray(Math.max(0, window.length - overlap));
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('close', (status) =>
      status === 0 ? resolve(found) : reject(new DockerCommandError(`docker save ${image}`, status, stderr)),
    );
  });
}
