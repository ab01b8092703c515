/**
 * A TCP relay for the latency fault (this kernel has no netem): listens on `host:<port>`, forwards
 * to `target`, and while `slow` is set delays every chunk by 200-400 ms (in order, per direction)
 * and now and then cuts a connection, as a lossy long path would. Passes traffic through untouched
 * otherwise, so a process can be started on it before the fault begins.
 */
import net from 'node:net';

export interface RelayOptions {
  host: string;
  target: { host: string; port: number };
  /** Delay of each chunk while slow, drawn uniformly from [min, max] ms. */
  delayMs?: [number, number];
  /** Chance, per chunk while slow, that its connection is cut (both sides reset). */
  dropChance?: number;
}

export interface Relay {
  readonly port: number;
  slow: boolean;
  /** Connections cut on purpose so far. */
  readonly dropped: number;
  close(): Promise<void>;
}

/** @example const relay = await startRelay({ host: '10.213.7.1', target: { host: '10.213.7.1', port: 6379 } }); */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const [minDelay, maxDelay] = options.delayMs ?? [200, 400];
  const dropChance = options.dropChance ?? 0.01;
  const sockets = new Set<net.Socket>();
  let dropped = 0;
  const relay = {
    port: 0,
    slow: false,
    get dropped() {
      return dropped;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };

  // One direction: each chunk leaves no earlier than the previous one, and `delay` after it came.
  const pipe = (from: net.Socket, to: net.Socket, cutBoth: () => void) => {
    let lastDue = 0;
    from.on('data', (chunk: Buffer) => {
      if (!relay.slow) {
        if (lastDue <= Date.now()) {
          to.write(chunk);
          return;
        }
      } else if (Math.random() < dropChance) {
        dropped++;
        cutBoth();
        return;
      }
      const delay = relay.slow ? minDelay + Math.random() * (maxDelay - minDelay) : 0;
      const due = Math.max(lastDue, Date.now() + delay);
      lastDue = due;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, due - Date.now());
    });
    from.on('end', () => {
      const wait = Math.max(0, lastDue - Date.now());
      setTimeout(() => to.end(), wait);
    });
  };

  const server = net.createServer((client) => {
    const upstream = net.connect(options.target);
    sockets.add(client);
    sockets.add(upstream);
    const cutBoth = () => {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    };
    pipe(client, upstream, cutBoth);
    pipe(upstream, client, cutBoth);
    for (const socket of [client, upstream]) {
      socket.on('error', cutBoth);
      socket.on('close', () => {
        sockets.delete(socket);
        (socket === client ? upstream : client).destroy();
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, resolve);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the relay got no TCP port');
  relay.port = address.port;
  return relay;
}
