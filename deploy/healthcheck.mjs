// Container health checks without curl or redis-cli in the image (exit 0 healthy, 1 not, 2 misused):
//   node deploy/healthcheck.mjs <PORT_VARIABLE> <path>   GET http://127.0.0.1:$PORT_VARIABLE<path> answers 2xx
//   node deploy/healthcheck.mjs redis                    the Redis at $REDIS_URL answers PING
// Addresses come from the container's own environment, so a check follows the service's settings.
// Each gives up after 3 s.
import net from 'node:net';
import tls from 'node:tls';

const TIMEOUT_MS = 3000;
const [mode, path = '/'] = process.argv.slice(2);

function fail(message, status = 1) {
  console.error(message);
  process.exit(status);
}

async function checkHttp(portVariable) {
  const port = process.env[portVariable];
  if (!port) fail(`${portVariable} is not set`, 2);
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!response.ok) fail(`${path}: HTTP ${response.status}`);
}

// One PING in the Redis protocol (after AUTH when the URL has credentials), on a plain or TLS socket.
function checkRedis() {
  const url = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  const options = { host: url.hostname, port: Number(url.port || 6379) };
  const socket =
    url.protocol === 'rediss:' ? tls.connect({ ...options, servername: url.hostname }) : net.connect(options);
  const auth = url.password
    ? [decodeURIComponent(url.username || 'default'), decodeURIComponent(url.password)]
    : null;
  const command = (...args) =>
    `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    let received = '';
    socket.setTimeout(TIMEOUT_MS, () => reject(new Error('Redis did not answer in time')));
    socket.once('error', reject);
    socket.once(url.protocol === 'rediss:' ? 'secureConnect' : 'connect', () =>
      socket.write((auth ? command('AUTH', ...auth) : '') + command('PING')),
    );
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.startsWith('-')) reject(new Error(`Redis: ${received.split('\r\n')[0].slice(1)}`));
      else if (received.includes('+PONG\r\n')) resolve();
    });
  }).finally(() => socket.destroy());
}

if (!mode) fail('usage: node deploy/healthcheck.mjs <PORT_VARIABLE> <path> | redis', 2);
try {
  await (mode === 'redis' ? checkRedis() : checkHttp(mode));
  process.exit(0);
} catch (error) {
  fail(`${mode === 'redis' ? 'redis' : path}: ${error instanceof Error ? error.message : String(error)}`);
}
