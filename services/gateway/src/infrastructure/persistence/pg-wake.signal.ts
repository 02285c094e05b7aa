import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { Logger } from '@notify/logger';
import type { WakeSignal } from '../../application/dispatcher';

/**
 * The dispatcher's wake-up: a dedicated Postgres connection LISTENs on `channel`
 * (`<schema>_deliveries`, notified on insert / re-drive at commit) and resolves the pending
 * `wait`; without a notification `wait(ms)` resolves after `ms` (the poll). A lost connection
 * is logged and retried every 5 s until it is back (logged once, and the dispatcher woken: rows
 * may have come meanwhile); meanwhile the poll still works.
 */
/** Wait between two attempts to get the LISTEN connection back, ms. */
const RECONNECT_MS = 5_000;

export class PgWakeSignal implements WakeSignal {
  private client: Client | undefined;
  private waiters: Array<() => void> = [];
  private pending = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly ds: DataSource,
    private readonly channel: string,
    private readonly logger: Pick<Logger, 'warn' | 'info'>,
    /** Wait between two attempts to get a lost LISTEN connection back, ms. */
    private readonly reconnectMs: number = RECONNECT_MS,
  ) {}

  /** Connects and LISTENs; rejects when that fails (at start: the caller decides; later attempts are retried here). */
  async start(): Promise<void> {
    if (this.closed) return;
    const o = this.ds.options as Extract<DataSource['options'], { type: 'postgres' }>;
    const client = new Client({
      connectionString: o.url, host: o.host, port: o.port, user: o.username,
      password: typeof o.password === 'string' ? o.password : undefined, database: o.database, application_name: 'gateway-dispatcher-listen',
    });
    client.on('notification', () => this.poke());
    client.on('error', (err) => {
      if (this.client !== client) return;
      this.logger.warn({ err }, 'dispatcher LISTEN connection lost; polling until it is back');
      this.client = undefined;
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  /** Tries again every `reconnectMs` until connected (or closed); logs the return once. */
  private scheduleReconnect(): void {
    if (this.closed) return;
    this.retry = setTimeout(() => {
      this.start().then(
        () => {
          if (this.client) {
            this.logger.info({}, 'dispatcher LISTEN reconnected');
            this.poke(); // rows may have come while it was away
          }
        },
        () => this.scheduleReconnect(),
      );
    }, this.reconnectMs);
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

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.poke();
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
