import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A Postgres wire-protocol proxy in front of pglite-socket that makes PGlite's ONE session
 * behave like separate connections for what the services rely on.
 *
 * PGlite is a single Postgres session; pglite-socket multiplexes client connections onto it by
 * queueing protocol MESSAGES. Measured under the five services' load, that is not enough:
 * 1. extended-protocol queries of different connections interleave message by message, so a
 *    Parse of one connection is discarded by another's Sync before its Bind runs
 *    ("unnamed prepared statement does not exist", 26000) — pglite-socket only pins the session
 *    to a connection inside an explicit transaction block;
 * 2. a NOTIFY's NotificationResponse ('A') comes out with the output of the connection that
 *    committed it, never the listener's, so outbox relays would only poll (5 s).
 *
 * What the router does, per client connection (one upstream connection to pglite-socket each):
 * - **session lock**: a connection forwards its messages only while it holds the router's lock.
 *   It takes the lock when it has messages to send, and gives it back when the server answered
 *   every batch it sent (one ReadyForQuery 'Z' per Sync / simple Query / StartupMessage), it has
 *   no half-sent batch, and the session is idle ('Z' status 'I'; 'T'/'E' = inside a transaction
 *   block: the lock stays). Waiting connections get it first come, first served. So every
 *   extended query and every transaction runs whole, like on a real server.
 * - **LISTEN/NOTIFY**: simple-protocol `LISTEN ch` / `UNLISTEN ch|*` are recorded per connection
 *   (channel names folded like Postgres: lower-cased unless double-quoted); a NotificationResponse
 *   is taken out of the carrying connection's stream and written to every connection listening on
 *   its channel, between two whole messages of that connection.
 * Limits: a LISTEN sent through the extended protocol is not seen; an UNLISTEN acts on the one
 * shared session, so it silences the channel for every listener (the services never UNLISTEN);
 * a transaction that waits for another connection of the same database waits forever.
 */
export class SessionRouter {
  private readonly connections = new Set<RoutedConnection>();
  private server: Server | undefined;
  private owner: RoutedConnection | undefined;
  private readonly waiting: RoutedConnection[] = [];

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
    for (const c of [...this.connections]) c.destroy();
    this.connections.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = connect(this.upstream.port, this.upstream.host);
    const conn = new RoutedConnection(client, upstream, {
      route: (channel, frame) => {
        for (const c of this.connections) if (c.listensOn(channel)) c.deliver(frame);
      },
      request: (c) => this.request(c),
      release: (c) => this.release(c),
    });
    this.connections.add(conn);
  }

  /** `conn` has messages to send: grant the lock now if free, else queue it (once). */
  private request(conn: RoutedConnection): void {
    if (this.owner === conn) return;
    if (!this.owner) {
      this.owner = conn;
      conn.granted();
    } else if (!this.waiting.includes(conn)) {
      this.waiting.push(conn);
    }
  }

  /** `conn` is done (session idle) or gone: pass the lock to the next waiting connection. */
  private release(conn: RoutedConnection): void {
    const i = this.waiting.indexOf(conn);
    if (i >= 0) this.waiting.splice(i, 1);
    if (conn.isClosed) this.connections.delete(conn);
    if (this.owner !== conn) return;
    this.owner = undefined;
    const next = this.waiting.shift();
    if (next) {
      this.owner = next;
      next.granted();
    }
  }
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const MSG_QUERY = 0x51; // 'Q'
const MSG_SYNC = 0x53; // 'S'
const MSG_READY = 0x5a; // 'Z'
const MSG_NOTIFICATION = 0x41; // 'A'
const STATUS_IDLE = 0x49; // 'I'

interface RouterHooks {
  route(channel: string, frame: Buffer): void;
  request(conn: RoutedConnection): void;
  release(conn: RoutedConnection): void;
}

/** One client connection and its upstream connection. */
class RoutedConnection {
  private readonly channels = new Set<string>();
  private fromClient: Buffer = Buffer.alloc(0);
  private fromServer: Buffer = Buffer.alloc(0);
  /** Complete client messages not yet forwarded (waiting for the lock). */
  private pending: Array<{ frame: Buffer; endsBatch: boolean }> = [];
  /** Before the StartupMessage, client messages have no type byte. */
  private startup = true;
  /** Single-byte answers the server owes (to SSLRequest / GSSENCRequest), which have no framing. */
  private unframedBytes = 0;
  private owns = false;
  /** Batches forwarded and not yet answered by ReadyForQuery. */
  private outstanding = 0;
  /** Messages forwarded since the last batch end (a half-sent extended query). */
  private openBatch = false;
  /** Transaction status of the last ReadyForQuery was idle ('I'), not in a block ('T'/'E'). */
  private idle = true;
  private closed = false;

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly hooks: RouterHooks,
  ) {
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.fromClientData(chunk));
    upstream.on('data', (chunk: Buffer) => this.fromServerData(chunk));
    for (const s of [client, upstream]) {
      s.on('error', () => this.destroy());
      s.on('close', () => this.destroy());
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  listensOn(channel: string): boolean {
    return this.channels.has(channel);
  }

  /** Writes a whole NotificationResponse to the client (called between whole messages only). */
  deliver(frame: Buffer): void {
    if (!this.closed && this.client.writable) this.client.write(frame);
  }

  /** The router gave this connection the session: send what waits. */
  granted(): void {
    this.owns = true;
    if (this.closed) {
      this.hooks.release(this);
      return;
    }
    this.forwardPending();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.upstream.destroy();
    this.owns = false;
    this.hooks.release(this);
  }

  private fromClientData(chunk: Buffer): void {
    this.fromClient = this.fromClient.length ? Buffer.concat([this.fromClient, chunk]) : chunk;
    for (;;) {
      const buf = this.fromClient;
      if (this.startup) {
        if (buf.length < 8) break;
        const len = buf.readInt32BE(0);
        if (buf.length < len) break;
        const code = buf.readInt32BE(4);
        const frame = buf.subarray(0, len);
        this.fromClient = buf.subarray(len);
        if (len === 8 && (code === SSL_REQUEST || code === GSSENC_REQUEST)) {
          // Answered by pglite-socket itself ('N'), without the database: no lock needed.
          this.unframedBytes++;
          this.upstream.write(frame);
        } else if (len === 16 && code === CANCEL_REQUEST) {
          this.upstream.write(frame); // ignored by pglite-socket (PGlite cannot cancel)
        } else {
          this.startup = false;
          this.pending.push({ frame, endsBatch: true }); // answered by AuthenticationOk … ReadyForQuery
        }
        continue;
      }
      if (buf.length < 5) break;
      const len = buf.readInt32BE(1) + 1;
      if (buf.length < len) break;
      const type = buf[0]!;
      if (type === MSG_QUERY) this.trackListen(buf.toString('utf8', 5, len - 1));
      this.pending.push({ frame: buf.subarray(0, len), endsBatch: type === MSG_QUERY || type === MSG_SYNC });
      this.fromClient = buf.subarray(len);
    }
    if (this.pending.length === 0) return;
    if (this.owns) this.forwardPending();
    else this.hooks.request(this);
  }

  private forwardPending(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) {
      this.maybeRelease();
      return;
    }
    for (const m of batch) {
      if (m.endsBatch) {
        this.outstanding++;
        this.openBatch = false;
      } else {
        this.openBatch = true;
      }
    }
    this.upstream.write(batch.length === 1 ? batch[0]!.frame : Buffer.concat(batch.map((m) => m.frame)));
  }

  private maybeRelease(): void {
    if (this.owns && this.outstanding <= 0 && !this.openBatch && this.idle && this.pending.length === 0) {
      this.owns = false;
      this.hooks.release(this);
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
  private fromServerData(chunk: Buffer): void {
    this.fromServer = this.fromServer.length ? Buffer.concat([this.fromServer, chunk]) : chunk;
    const buf = this.fromServer;
    let start = 0;
    let pos = 0;
    let readyAt = -1;
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
      const type = buf[pos]!;
      if (type === MSG_NOTIFICATION) {
        // int32 pid, channel\0, payload\0
        flush(pos);
        const frame = Buffer.from(buf.subarray(pos, pos + len));
        this.hooks.route(frame.toString('utf8', 9, frame.indexOf(0, 9)), frame);
        start = pos + len;
      } else if (type === MSG_READY) {
        this.outstanding--;
        this.idle = buf[pos + 5] === STATUS_IDLE;
        readyAt = pos;
      }
      pos += len;
    }
    flush(pos);
    this.fromServer = buf.subarray(pos);
    if (readyAt >= 0) this.maybeRelease();
  }
}
