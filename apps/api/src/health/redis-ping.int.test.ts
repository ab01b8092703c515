import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisPinger } from './redis-ping.ts';

// Private redis-servers (the shared one must not get a password or TLS): one requiring a password,
// one speaking only TLS with a certificate from a throwaway CA.
const dir = mkdtempSync(join(tmpdir(), 'redis-ping-'));
const servers: ChildProcess[] = [];
let passwordPort = 0;
let tlsPort = 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function startRedis(args: string[]): Promise<void> {
  const child = spawn('redis-server', ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
  });
}

beforeAll(async () => {
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    file('redis.key'),
    '-out',
    file('redis.csr'),
  );
  openssl(
    'x509',
    '-req',
    '-in',
    file('redis.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    file('redis.crt'),
  );
  [passwordPort, tlsPort] = [await freePort(), await freePort()];
  await startRedis(['--port', String(passwordPort), '--requirepass', 'Right-Pass-123']);
  await startRedis([
    '--port',
    '0',
    '--tls-port',
    String(tlsPort),
    '--tls-cert-file',
    file('redis.crt'),
    '--tls-key-file',
    file('redis.key'),
    '--tls-ca-cert-file',
    file('ca.crt'),
    '--tls-auth-clients',
    'no',
  ]);
}, 60_000);

afterAll(() => {
  for (const server of servers) server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('redisPinger', () => {
  it('says why Redis refused the password, without repeating it', async () => {
    const wrong = redisPinger(`redis://:Wrong-Pass-456@127.0.0.1:${passwordPort}`);
    const error = await wrong.ping().catch((e: Error) => e);
    expect(String(error)).toBe('Error: Redis refused the password in REDIS_URL (WRONGPASS)');
    const none = await redisPinger(`redis://127.0.0.1:${passwordPort}`)
      .ping()
      .catch((e: Error) => e);
    expect(String(none)).toBe('Error: Redis requires a password and REDIS_URL gives none (NOAUTH)');
    await expect(
      redisPinger(`redis://:Right-Pass-123@127.0.0.1:${passwordPort}`).ping(),
    ).resolves.toBeUndefined();
  });

  it('pings over TLS for rediss://, and refuses a server whose certificate it cannot trust', async () => {
    const ca = readFileSync(join(dir, 'ca.crt'));
    await expect(
      redisPinger(`rediss://localhost:${tlsPort}`, { tls: { ca } }).ping(),
    ).resolves.toBeUndefined();
    // Node's own trust store does not know the throwaway CA: down, with the TLS reason.
    await expect(redisPinger(`rediss://localhost:${tlsPort}`).ping()).rejects.toThrow(/certificate/);
    // Plain RESP against the TLS port gets no PONG.
    await expect(redisPinger(`redis://localhost:${tlsPort}`, { timeoutMs: 500 }).ping()).rejects.toThrow();
  });
});
