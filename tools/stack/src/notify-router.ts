import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A Postgres wire-protocol proxy in front of pglite-socket that gives LISTEN/NOTIFY their
 * multi-connection meaning back.
 *
 * Why: PGlite is ONE Postgres session. pglite-socket multiplexes many client connections onto
 * it, so a `LISTEN` from any connection makes the session listen, and the NotificationResponse
 * ('A' message) of a `NOTIFY` comes out with the output of whatever query runs when Postgres
 * delivers it — in practice the committing connection's, never the listener's (measured with
 * pg 8: the notifier got the notification, the listener nothing). The outbox relays and the
 * gateway's dispatcher would then only see new rows at their poll interval (5 s for a relay).
 *
 * What it does, per client connection (one upstream connection to pglite-socket each):
 * - client → server bytes are forwarded unchanged; simple-protocol `Query` ('Q') messages are
 *   read for `LISTEN ch` / `UNLISTEN ch` / `UNLISTEN *` to know which connection listens on what
 *   (channel names folded like Postgres: lower-cased unless double-quoted);
 * - server → client messages are forwarded whole, except NotificationResponse: it is removed
 *   from the carrying connection's stream and written to every connection listening on its
 *   channel, between two whole messages of that connection (so it never splits a message).
 * Limits: LISTEN through the extended protocol (a prepared `LISTEN`) is not seen; an UNLISTEN
 * acts on the one shared session, so it silences the channel for every listener (the services
 * never UNLISTEN; they close the connection).
 */
export class NotifyRouter {
  private readonly connections = new Set<RoutedConnection>();
  private server: Server | undefined;

  constructor(private readonly upstream: { host: string; port: number }) {}

  /** Listens on host:port (0 = a free port) and resolves the port. */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  /** Stops accepting, ends every proxied connection (both sides) and resolves when the server closed. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = connect(this.upstream.port, this.upstream.host);
    const conn = new RoutedConnection(client, upstream, (channel, frame) => this.route(channel, frame));
    this.connections.add(conn);
    conn.onClose(() => this.connections.delete(conn));
  }

  /** Delivers one NotificationResponse frame to the connections listening on `channel`. */
  private route(channel: string, frame: Buffer): void {
    for (const c of this.connections) if (c.listensOn(channel)) c.deliver(frame);
  }
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** One client connection and its upstream connection. */
class RoutedConnection {
  private readonly channels = new Set<string>();
  private fromClient: Buffer = Buffer.alloc(0);
  private fromServer: Buffer = Buffer.alloc(0);
  /** Before the StartupMessage, client messages have no type byte. */
  private startup = true;
  /** Single-byte answers the server owes (to SSLRequest / GSSENCRequest), which have no framing. */
  private unframedBytes = 0;
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly route: (channel: string, frame: Buffer) => void,
  ) {
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      this.inspectClient(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => this.relayServer(chunk));
    for (const s of [client, upstream]) {
      s.on('error', () => this.destroy());
      s.on('close', () => this.destroy());
    }
  }

  listensOn(channel: string): boolean {
    return this.channels.has(channel);
  }

  /** Writes a whole NotificationResponse to the client (called between whole messages only). */
  deliver(frame: Buffer): void {
    if (!this.closed && this.client.writable) this.client.write(frame);
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.upstream.destroy();
    for (const l of this.closeListeners) l();
  }

  /** Reads the client's messages for LISTEN / UNLISTEN (the bytes themselves are forwarded as they are). */
  private inspectClient(chunk: Buffer): void {
    this.fromClient = this.fromClient.length ? Buffer.concat([this.fromClient, chunk]) : chunk;
    for (;;) {
      const buf = this.fromClient;
      if (this.startup) {
        if (buf.length < 8) return;
        const len = buf.readInt32BE(0);
        if (buf.length < len) return;
        const code = buf.readInt32BE(4);
        if (len === 8 && (code === SSL_REQUEST || code === GSSENC_REQUEST)) this.unframedBytes++;
        else if (!(len === 16 && code === CANCEL_REQUEST)) this.startup = false;
        this.fromClient = buf.subarray(len);
        continue;
      }
      if (buf.length < 5) return;
      const len = buf.readInt32BE(1) + 1;
      if (buf.length < len) return;
      if (buf[0] === 0x51 /* 'Q' */) this.trackListen(buf.toString('utf8', 5, len - 1));
      this.fromClient = buf.subarray(len);
    }
  }

  private trackListen(sql: string): void {
    const re = /(?:^|;)\s*(LISTEN|UNLISTEN)\s+("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*|\*)/gi;
    for (const m of sql.matchAll(re)) {
      const verb = m[1]!.toUpperCase();
      const raw = m[2]!;
      const channel = raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.toLowerCase();
      if (verb === 'LISTEN') this.channels.add(channel);
      else if (raw === '*') this.channels.clear();
      else this.channels.delete(channel);
    }
  }

  /** Forwards the server's messages whole; NotificationResponses go to their listeners instead. */
  private relayServer(chunk: Buffer): void {
    this.fromServer = this.fromServer.length ? Buffer.concat([this.fromServer, chunk]) : chunk;
    let start = 0;
    let pos = 0;
    const buf = this.fromServer;
    const flush = (end: number) => {
      if (end > start && this.client.writable) this.client.write(buf.subarray(start, end));
    };
    for (;;) {
      if (this.unframedBytes > 0) {
        if (pos >= buf.length) break;
        this.unframedBytes--;
        pos += 1;
        continue;
      }
      if (buf.length - pos < 5) break;
      const len = buf.readInt32BE(pos + 1) + 1;
      if (buf.length - pos < len) break;
      if (buf[pos] === 0x41 /* 'A' NotificationResponse: int32 pid, channel\0, payload\0 */) {
        flush(pos);
        const frame = Buffer.from(buf.subarray(pos, pos + len));
        const nul = frame.indexOf(0, 9);
        this.route(frame.toString('utf8', 9, nul), frame);
        start = pos + len;
      }
      pos += len;
    }
    flush(pos);
    this.fromServer = buf.subarray(pos);
  }
}
