import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createApp } from '@mm/api-core';
import packageJson from '../package.json' with { type: 'json' };
import type { DemoRuntime } from './prepare-demo.ts';

/** The port cannot be listened on (taken, or not allowed); the message says what to do. */
export class PortUnavailableError extends Error {
  override name = 'PortUnavailableError';
}

/** A running API. */
export interface DemoServer {
  /** `http://<host>:<port>` as bound (the actual port when 0 was asked for). */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (closing them after `graceMs`), then resolves. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Serves the real API (`createApp` of `@mm/api`) on the demo's open databases, in this process.
 *
 * @example
 * const server = await serveDemo(demo, { port: 8000, host: '127.0.0.1' });
 * await fetch(`${server.url}/api/v1/data_status`);
 * await server.close();
 */
export async function serveDemo(
  demo: DemoRuntime,
  options: { port: number; host: string },
): Promise<DemoServer> {
  const app = createApp({
    config: demo.config,
    aggDb: demo.dbs.agg,
    rawDbFor: (machine) => demo.dbs.rawDb(machine),
    logger: demo.logger,
    pools: demo.dbs.pools,
    // Through the queues: Bull Board, re-queueing and queue metrics on the demo's own prefix.
    queues: demo.queues?.api ?? null,
    redis: demo.queues?.api ?? null,
    version: packageJson.version,
    processMetrics: true,
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await listen(server, options.port, options.host);
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    port,
    close: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        // Idle keep-alive sockets close now, busy ones after their response (or after the grace).
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

/**
 * Fails fast, before minutes of seeding, when the port cannot be listened on.
 *
 * @example
 * await assertPortFree(8000, '127.0.0.1'); // throws PortUnavailableError when taken
 */
export async function assertPortFree(port: number, host: string): Promise<void> {
  const probe = net.createServer();
  await listen(probe, port, host);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(portError(error, port, host));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function portError(error: NodeJS.ErrnoException, port: number, host: string): Error {
  if (error.code === 'EADDRINUSE') {
    return new PortUnavailableError(
      `port ${port} on ${host} is already in use: stop what is listening there, or start with PORT=<another port>`,
      { cause: error },
    );
  }
  if (error.code === 'EACCES') {
    return new PortUnavailableError(
      `not allowed to listen on port ${port}: use PORT=8000 or another port above 1023`,
      {
        cause: error,
      },
    );
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new PortUnavailableError(`cannot listen on HOST=${host}: not an address of this machine`, {
      cause: error,
    });
  }
  return error;
}
