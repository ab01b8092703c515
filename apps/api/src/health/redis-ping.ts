import net from 'node:net';
import type { Pingable } from '../deps.ts';

/**
 * A minimal Redis liveness check over RESP (`PING` → `+PONG`, after `AUTH` when the URL has a
 * password): `/api/status` needs no client library for it, and a fresh connection per check cannot
 * report a stale "connected". `rediss://` (TLS) is not supported.
 *
 * @example
 * const redis = redisPinger('redis://127.0.0.1:6379', 2000);
 * await redis.ping(); // throws when Redis does not answer PONG in time
 */
export function redisPinger(url: string, timeoutMs = 2000): Pingable {
  const u = new URL(url);
  if (u.protocol !== 'redis:') throw new Error('only redis:// URLs can be pinged');
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(u.port || 6379);
  const password = u.password ? decodeURIComponent(u.password) : null;
  const user = u.username ? decodeURIComponent(u.username) : null;
  const command = (...args: string[]) =>
    `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return {
    ping: () =>
      new Promise<void>((resolve, reject) => {
        const socket = net.connect({ host, port });
        let buffer = '';
        const expected = password ? 2 : 1;
        const done = (error?: Error) => {
          socket.destroy();
          if (error) reject(error);
          else resolve();
        };
        socket.setTimeout(timeoutMs, () => done(new Error('Redis did not answer in time')));
        socket.once('error', (error) => done(error));
        socket.once('connect', () => {
          if (password) socket.write(user ? command('AUTH', user, password) : command('AUTH', password));
          socket.write(command('PING'));
        });
        socket.on('data', (chunk) => {
          buffer += chunk.toString('utf8');
          const lines = buffer.split('\r\n').filter(Boolean);
          if (lines.length < expected) return;
          const failed = lines.find((line) => line.startsWith('-'));
          if (failed) done(new Error(`Redis refused: ${failed.slice(1, 80)}`));
          else if (lines[expected - 1] === '+PONG') done();
          else done(new Error('Redis answered something other than PONG'));
        });
      }),
  };
}
