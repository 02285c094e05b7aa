import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { Logger } from '@notify/logger';
import type { WakeSignal } from '../../application/dispatcher';

/**
 * The dispatcher's wake-up: a dedicated Postgres connection LISTENs on `channel`
 * (`<schema>_deliveries`, notified on insert / re-drive at commit) and resolves the pending
 * `wait`; without a notification `wait(ms)` resolves after `ms` (the poll). A lost connection
 * is logged and retried every 5 s; meanwhile the poll still works.
 */
export class PgWakeSignal implements WakeSignal {
  private client: Client | undefined;
  private waiters: Array<() => void> = [];
  private pending = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly ds: DataSource,
    private readonly channel: string,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  async start(): Promise<void> {
    if (this.closed) return;
    const o = this.ds.options as Extract<DataSource['options'], { type: 'postgres' }>;
    const client = new Client({
      connectionString: o.url, host: o.host, port: o.port, user: o.username,
      password: typeof o.password === 'string' ? o.password : undefined, database: o.database, application_name: 'gateway-dispatcher-listen',
    });
    client.on('notification', () => this.poke());
    client.on('error', (err) => {
      this.logger.warn({ err }, 'dispatcher LISTEN connection lost; polling until it is back');
      this.client = undefined;
      client.end().catch(() => undefined);
      if (!this.closed) this.retry = setTimeout(() => void this.start().catch(() => undefined), 5000);
    });
    await client.connect();
    await client.query(`LISTEN "${this.channel}"`);
    this.client = client;
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
