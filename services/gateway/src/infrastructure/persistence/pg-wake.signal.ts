import type { DataSource } from 'typeorm';
import { PgListener } from '@notify/db';
import type { Logger } from '@notify/logger';
import type { WakeSignal } from '../../application/dispatcher';

/** Wait between two attempts to get the LISTEN connection back, ms (each wait jittered between half and all of it). */
const RECONNECT_MS = 5_000;

/**
 * The dispatcher's wake-up: a dedicated Postgres connection (a {@link PgListener} of @notify/db)
 * LISTENs on `channel` (`<schema>_deliveries`, notified on insert / re-drive at commit) and
 * resolves the pending `wait`; without a notification `wait(ms)` resolves after `ms` (the poll).
 * A lost connection is retried every `reconnectMs` (jittered: between half and all of it) until
 * it is back; the loss is logged at warn once, the failed attempts as one failure streak, the
 * return at info once, and the return wakes the dispatcher (rows may have come meanwhile);
 * meanwhile the poll still works.
 */
export class PgWakeSignal implements WakeSignal {
  private listener: PgListener | undefined;
  private waiters: Array<() => void> = [];
  private pending = false;
  private closed = false;

  constructor(
    private readonly ds: DataSource,
    private readonly channel: string,
    /** `debug`, when the object has it (a pino logger does), gets the quiet failed reconnects. */
    private readonly logger: Pick<Logger, 'warn' | 'info'>,
    /** Wait between two attempts to get a lost LISTEN connection back, ms (jittered: between half and all of it). */
    private readonly reconnectMs: number = RECONNECT_MS,
  ) {}

  /**
   * Connects and LISTENs; rejects when that fails (at start: the caller decides, nothing is
   * retried; later losses are retried here).
   * @throws Error when called a second time.
   */
  async start(): Promise<void> {
    if (this.closed) return;
    const o = this.ds.options as Extract<DataSource['options'], { type: 'postgres' }>;
    this.listener ??= new PgListener({
      client: {
        connectionString: o.url, host: o.host, port: o.port, user: o.username,
        password: typeof o.password === 'string' ? o.password : undefined, database: o.database, application_name: 'gateway-dispatcher-listen',
        keepAlive: true, // an idle LISTEN connection notices a dead peer
      },
      channel: this.channel,
      onNotification: () => this.poke(),
      onConnected: ({ reconnected }) => {
        if (reconnected) this.poke(); // rows may have come while it was away
      },
      logger: this.logger,
      what: 'dispatcher',
      reconnect: { initialMs: this.reconnectMs, maxMs: this.reconnectMs },
    });
    await this.listener.start();
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  poke(): void {
    if (this.waiters.length === 0) {
      this.pending = true;
      return;
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Ends the LISTEN connection and any reconnecting, and wakes a pending `wait`. */
  async close(): Promise<void> {
    this.closed = true;
    this.poke();
    await this.listener?.close();
  }
}
