import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy that can be cut off: a real outage of a dependency for the clients that use it. */
export interface OutageProxy {
  /** The target URL with its host and port replaced by the proxy's (127.0.0.1:<port>). */
  readonly url: string;
  /** The proxy's port on 127.0.0.1 (the same across `down()` / `up()`). */
  readonly port: number;
  /**
   * Cuts the dependency: closes the listener and destroys every proxied connection (clients see
   * "Connection terminated unexpectedly" / a disconnect, new connects ECONNREFUSED).
   */
  down(): Promise<void>;
  /** Listens again on the same port (no-op when up). Rejects if the port was taken meanwhile. */
  up(): Promise<void>;
  /** Same as `down()`; call it in `afterAll`. */
  close(): Promise<void>;
}

const DEFAULT_PORTS: Record<string, number> = { 'postgres:': 5432, 'postgresql:': 5432, 'nats:': 4222 };

/**
 * Starts a TCP proxy to the host:port of `url` (`postgres://…`, `nats://…`; the scheme's default
 * port when the URL has none) on a free port of 127.0.0.1. Only the connections made through
 * `proxy.url` suffer the outage: the test's own direct connections, and other test files, do not.
 * @throws TypeError when `url` is not a URL with a port or a known scheme (postgres, nats).
 */
export async function startOutageProxy(url: string): Promise<OutageProxy> {
  const target = new URL(url);
  const targetPort = Number(target.port || DEFAULT_PORTS[target.protocol]);
  if (!targetPort) throw new TypeError(`startOutageProxy: no port in ${target.protocol}//${target.host}`);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const srv = createServer((client) => {
      const upstream = createConnection({ host: target.hostname, port: targetPort });
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => resolve());
    });
    const a = srv.address();
    port = typeof a === 'object' && a ? a.port : port;
    server = srv;
  };
  const down = async (): Promise<void> => {
    const srv = server;
    server = undefined;
    for (const s of sockets) s.destroy();
    if (srv) await new Promise<void>((resolve) => srv.close(() => resolve()));
  };
  await listen();
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return {
    url: proxied.toString(),
    port,
    down,
    up: async () => {
      if (!server) await listen();
    },
    close: down,
  };
}
