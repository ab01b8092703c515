import net from 'node:net';
import tls from 'node:tls';
import { describeRedisReply } from '@mm/config';
import type { Pingable } from '../deps.ts';

export interface RedisPingerOptions {
  /** How long a ping may take before Redis counts as down. */
  timeoutMs?: number;
  /** Extra TLS options for `rediss://` (a private CA, say); Node's trust store otherwise. */
  tls?: tls.ConnectionOptions;
}

/**
 * A minimal Redis liveness check over RESP (`PING` → `+PONG`, after `AUTH` when the URL has a
 * password), over TLS for `rediss://`: `/api/status` needs no client library for it, and a fresh
 * connection per check cannot report a stale "connected". A refusal says why (`describeRedisReply`
 * of `@mm/config`) and never repeats the password.
 *
 * @example
 * const redis = redisPinger('rediss://:secret@cache.internal:6380', { timeoutMs: 2000 });
 * await redis.ping(); // throws when Redis does not answer PONG in time
 */
export function redisPinger(url: string, options: RedisPingerOptions = {}): Pingable {
  const timeoutMs = options.timeoutMs ?? 2000;
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error('not a redis:// or rediss:// URL');
  const secure = u.protocol === 'rediss:';
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(u.port || 6379);
  const password = u.password ? decodeURIComponent(u.password) : null;
  const user = u.username ? decodeURIComponent(u.username) : null;
  const command = (...args: string[]) =>
    `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  const connect = () =>
    secure
      ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...options.tls })
      : net.connect({ host, port });
  return {
    ping: () =>
      new Promise<void>((resolve, reject) => {
        const socket = connect();
        let buffer = '';
        const expected = password ? 2 : 1;
        const done = (error?: Error) => {
          socket.destroy();
          if (error) reject(error);
          else resolve();
        };
        socket.setTimeout(timeoutMs, () => done(new Error('Redis did not answer in time')));
        socket.once('error', (error) => done(error));
        socket.once(secure ? 'secureConnect' : 'connect', () => {
          if (password) socket.write(user ? command('AUTH', user, password) : command('AUTH', password));
          socket.write(command('PING'));
        });
        socket.on('data', (chunk) => {
          buffer += chunk.toString('utf8');
          const lines = buffer.split('\r\n').filter(Boolean);
          const failed = lines.find((line) => line.startsWith('-'));
          if (failed) return done(new Error(describeRedisReply(failed.slice(1))));
          if (lines.length < expected) return;
          if (lines[expected - 1] === '+PONG') done();
          else done(new Error('Redis answered something other than PONG'));
        });
      }),
  };
}
