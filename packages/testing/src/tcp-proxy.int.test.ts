import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpProxy } from './tcp-proxy.ts';

// An echo server behind the proxy: what a client sends comes back through both directions.
let echo: net.Server;
let proxy: TcpProxy;

beforeAll(async () => {
  echo = net.createServer((socket) => socket.pipe(socket));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: (echo.address() as AddressInfo).port });
});

afterAll(async () => {
  await proxy.close();
  await new Promise((resolve) => echo.close(resolve));
});

async function connect(): Promise<net.Socket> {
  const socket = net.connect(proxy.port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Sends `text` and resolves with what came back and how long the round trip took. */
async function roundTrip(socket: net.Socket, text: string): Promise<{ reply: string; ms: number }> {
  const started = performance.now();
  socket.write(text);
  let reply = '';
  while (reply.length < text.length) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    reply += chunk.toString();
  }
  return { reply, ms: performance.now() - started };
}

describe('TcpProxy.slow', () => {
  it('delays each chunk both ways, in order, on connections open before and after', async () => {
    const before = await connect();
    proxy.slow({ delayMs: [150, 150], dropChance: 0 });
    const after = await connect();
    for (const socket of [before, after]) {
      const { reply, ms } = await roundTrip(socket, 'one');
      expect(reply).toBe('one');
      // 150 ms to the server and 150 ms back, at least.
      expect(ms).toBeGreaterThanOrEqual(300);
      socket.destroy();
    }
  });

  it('cuts a connection when its drop chance comes up, and counts it', async () => {
    proxy.slow({ delayMs: [0, 0], dropChance: 1 });
    const socket = await connect();
    const dropped = proxy.dropped;
    socket.write('lost');
    await once(socket, 'close');
    expect(proxy.dropped).toBe(dropped + 1);
  });

  it('forwards at full speed again after open(), on new connections', async () => {
    proxy.open();
    const socket = await connect();
    expect((await roundTrip(socket, 'two')).reply).toBe('two');
    socket.destroy();
  });
});
