import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';

/** How {@link TcpProxy.slow} degrades a path. */
export interface SlowPath {
  /** Each chunk is delayed by a time drawn uniformly from [min, max] ms, in order per direction. */
  delayMs: [number, number];
  /** Chance, per chunk, that its connection is cut (both sides closed), as on a lossy long path. */
  dropChance: number;
}

/**
 * A TCP forwarder between a client under test and a real server, for network faults no server can
 * make on its own: `cut()` closes every connection and refuses new ones (a server gone), `freeze()`
 * keeps the connections open but carries nothing (a silent network partition), `slow()` delays every
 * chunk and now and then cuts a connection (a long lossy path: this kernel has no netem), `open()`
 * forwards again.
 *
 * @example
 * const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5432 });
 * const url = `postgres://postgres@127.0.0.1:${proxy.port}/db`;
 * proxy.freeze();
 * await proxy.close();
 */
export class TcpProxy {
  private mode: 'open' | 'cut' | 'frozen' | 'slow' = 'open';
  private path: SlowPath = { delayMs: [0, 0], dropChance: 0 };
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  /** Connections cut by {@link slow}'s drop chance so far. */
  dropped = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Listens on `listenHost` (127.0.0.1 unless given: a bridge's address for clients in namespaces). */
  static async start(target: { host: string; port: number }, listenHost = '127.0.0.1'): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = net.createServer((client) => proxy?.accept(client, target));
    server.listen(0, listenHost);
    await once(server, 'listening');
    proxy = new TcpProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  /** How many client connections are open through the proxy. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Closes every connection and refuses new ones until {@link open}. */
  cut(): void {
    this.mode = 'cut';
    this.destroyAll();
  }

  /** Carries nothing more on any connection, new ones included, without closing them. */
  freeze(): void {
    this.mode = 'frozen';
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** Delays every chunk of every connection, new ones included, and cuts some (see {@link SlowPath}). */
  slow(path: SlowPath = { delayMs: [200, 400], dropChance: 0.01 }): void {
    const wasOpen = this.mode === 'open';
    this.mode = 'slow';
    this.path = path;
    if (!wasOpen) return;
    for (const pair of this.pairs) {
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      this.forwardSlowly(pair);
    }
  }

  /** Forwards new connections again; connections frozen, slowed or cut before stay closed. */
  open(): void {
    if (this.mode === 'frozen' || this.mode === 'slow') this.destroyAll();
    this.mode = 'open';
  }

  async close(): Promise<void> {
    this.destroyAll();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: net.Socket, target: { host: string; port: number }): void {
    if (this.mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    if (this.mode === 'frozen') {
      client.pause();
      return;
    }
    if (this.mode === 'slow') {
      this.forwardSlowly(pair);
      return;
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private forwardSlowly(pair: { client: net.Socket; upstream: net.Socket }): void {
    const cutBoth = () => {
      this.dropped++;
      pair.client.destroy();
      pair.upstream.destroy();
    };
    const forward = (from: net.Socket, to: net.Socket) => {
      let lastDue = 0;
      from.on('data', (chunk: Buffer) => {
        if (Math.random() < this.path.dropChance) {
          cutBoth();
          return;
        }
        const [min, max] = this.path.delayMs;
        const due = Math.max(lastDue, Date.now() + min + Math.random() * (max - min));
        lastDue = due;
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
        }, due - Date.now());
      });
      from.resume();
    };
    forward(pair.client, pair.upstream);
    forward(pair.upstream, pair.client);
  }

  private destroyAll(): void {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }
}
