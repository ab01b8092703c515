import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSliceJobPolicy } from '@mm/queue';
import { freePort, type PrivateRedis, startPrivateRedis } from '@mm/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs } from '../testing/harness.ts';
import { type ApiQueues, openApiQueues } from './api-queues.ts';

// Private redis-servers (the shared one must not get a password or TLS): one requiring a password,
// one speaking only TLS with a certificate from a throwaway CA.
const dir = mkdtempSync(join(tmpdir(), 'api-queues-redis-'));
const opened: ApiQueues[] = [];
const servers: PrivateRedis[] = [];
let passwordPort = 0;
let tlsPort = 0;

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
  const password = await startPrivateRedis({ args: ['--requirepass', 'Right-Pass-123'] });
  servers.push(password);
  passwordPort = password.port;
  tlsPort = await freePort();
  // TLS only: the plain port is switched off (`--port 0` after the helper's own).
  servers.push(
    await startPrivateRedis({
      args: [
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
      ],
    }),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(opened.map((q) => q.close()));
  await Promise.all(servers.map((server) => server.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function open(redisUrl: string, tls?: { ca: Buffer }) {
  const logs = captureLogs();
  const queues = openApiQueues({
    redisUrl,
    prefix: `mm-test-redis-${process.pid}`,
    policy: defaultSliceJobPolicy,
    logger: logs.logger,
    ...(tls ? { tls } : {}),
  });
  opened.push(queues);
  return { queues, logs };
}

describe("the API's Redis connection", () => {
  it('says why Redis refused the password, in the log and to /api/status, without repeating it', async () => {
    const wrong = open(`redis://:Wrong-Pass-456@127.0.0.1:${passwordPort}`);
    await wrong.queues.untilReady(1500);
    const error = await wrong.queues.ping().catch((e: Error) => e);
    expect(String(error)).toContain('Redis refused the password in REDIS_URL (WRONGPASS)');
    expect(JSON.stringify(wrong.logs.lines())).not.toContain('Wrong-Pass-456');

    const none = open(`redis://127.0.0.1:${passwordPort}`);
    await none.queues.untilReady(1500);
    const noneError = await none.queues.ping().catch((e: Error) => e);
    expect(String(noneError)).toContain('Redis requires a password and REDIS_URL gives none (NOAUTH)');

    const right = open(`redis://:Right-Pass-123@127.0.0.1:${passwordPort}`);
    expect(await right.queues.untilReady(5000)).toBe(true);
    await expect(right.queues.ping()).resolves.toBe('PONG');
  });

  it('speaks TLS for rediss://, and stays down for a server whose certificate it cannot trust', async () => {
    const ca = readFileSync(join(dir, 'ca.crt'));
    const trusted = open(`rediss://localhost:${tlsPort}`, { ca });
    expect(await trusted.queues.untilReady(5000)).toBe(true);
    await expect(trusted.queues.ping()).resolves.toBe('PONG');
    // Node's own trust store does not know the throwaway CA: down, with the TLS reason.
    const untrusted = open(`rediss://localhost:${tlsPort}`);
    expect(await untrusted.queues.untilReady(1500)).toBe(false);
    await expect(untrusted.queues.ping()).rejects.toThrow(/certificate/);
  });
});
