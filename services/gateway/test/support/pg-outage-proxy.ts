// A TCP proxy in front of the test Postgres that can be cut off: a real Postgres outage for the
// connections that go through it (and for them only: the test's own DataSource, and the other
// test files, keep the direct connection). `down()` closes the listener and destroys every proxied
// connection (the clients see "Connection terminated unexpectedly", new connects ECONNREFUSED);
// `up()` listens again on the same port.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface PgOutageProxy {
  /** `url` with its host and port replaced by the proxy's. */
  readonly url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy to the Postgres of `url` (a postgres:// URL) on a free port of 127.0.0.1. */
export async function startPgOutageProxy(url: string): Promise<PgOutageProxy> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const srv = createServer((client) => {
      const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
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
    down,
    up: async () => {
      if (!server) await listen();
    },
    close: down,
  };
}
