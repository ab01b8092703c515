import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';

/**
 * A TCP forwarder between a client under test and a real server, for network faults no server can
 * make on its own: `cut()` closes every connection and refuses new ones (a server gone), `freeze()`
 * keeps the connections open but carries nothing (a silent network partition), `open()` forwards
 * again.
 *
 * @example
 * const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5432 });
 * const url = `postgres://postgres@127.0.0.1:${proxy.port}/db`;
 * proxy.freeze();
 * await proxy.close();
 */
export class TcpProxy {
  private mode: 'open' | 'cut' | 'frozen' = 'open';
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = net.createServer((client) => proxy?.accept(client, target));
    server.listen(0, '127.0.0.1');
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

  /** Forwards new connections again; connections frozen or cut before stay closed. */
  open(): void {
    if (this.mode === 'frozen') this.destroyAll();
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
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private destroyAll(): void {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }
}
