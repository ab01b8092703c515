import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now (the OS's pick), for a server a test
 * starts itself.
 *
 * @example
 * const port = await freePort(); // 41237
 */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (!address || typeof address === 'string') throw new Error('the OS gave no TCP port');
  return address.port;
}

export interface PrivateRedisOptions {
  /** The port (a free one unless given: a restart on the same port, say). */
  port?: number;
  /** More `redis-server` arguments (`--requirepass …`, `--maxmemory-policy allkeys-lru`, TLS …). */
  args?: readonly string[];
  /** Addresses to listen on besides 127.0.0.1 (a bridge's address, for clients in network namespaces). */
  bindAddresses?: readonly string[];
  /** How long the server may take to say it is ready. */
  readyTimeoutMs?: number;
}

export interface PrivateRedis {
  port: number;
  /** The server's process id. */
  pid: number;
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  /** Stops it (SIGTERM) and waits until it is gone. */
  stop(): Promise<void>;
  /** Kills it (SIGKILL), as a crash would, and waits until it is gone. */
  kill(): Promise<void>;
}

/**
 * Starts a `redis-server` of the test's own, for what must never happen to the shared one: a
 * password, TLS, an eviction policy, a crash or a restart. It keeps nothing on disk and listens on
 * 127.0.0.1 (and `bindAddresses`) only. Resolves once the server says it accepts connections; fails loudly (with what it
 * printed) when it exits or stays silent instead.
 *
 * @example
 * const redis = await startPrivateRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
 * try { … redis.url … } finally { await redis.stop(); }
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = options.port ?? (await freePort());
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      ...(options.bindAddresses ?? []),
      // Nothing but the test can reach the addresses it binds: no password needed beyond loopback.
      ...(options.bindAddresses?.length ? ['--protected-mode', 'no'] : []),
      '--save',
      '',
      '--appendonly',
      'no',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    let ready = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`private redis-server on port ${port} ${why}:\n${out}`));
    };
    const timer = setTimeout(() => fail('did not get ready'), options.readyTimeoutMs ?? 10_000);
    child.once('error', (error) => fail(`could not start (${error.message})`));
    child.once('exit', (code) => {
      if (!ready) fail(`exited with ${code}`);
    });
    const collect = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (!ready && out.includes('Ready to accept connections')) {
        ready = true;
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
  });
  // Drained, so a chatty server never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.resume();
  const end = async (signal: NodeJS.Signals, server: ChildProcess) => {
    if (server.exitCode === null && server.signalCode === null) server.kill(signal);
    await gone;
  };
  return {
    port,
    pid: child.pid ?? -1,
    url: `redis://127.0.0.1:${port}`,
    stop: () => end('SIGTERM', child),
    kill: () => end('SIGKILL', child),
  };
}
