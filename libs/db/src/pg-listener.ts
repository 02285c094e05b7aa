import { Client, type ClientConfig, type Notification } from 'pg';
import { failureStreak, type FailureStreak, type StreakLogger } from '@notify/logger';
import { backoffMs } from './backoff';

type LogFn = (fields: object, msg: string) => void;

/**
 * The logger of a {@link PgListener} (pino's, or any `(fields, message)` logger): `warn` and `info`
 * for the outage and its end, `debug` (optional: without it those lines are dropped) for the
 * failed reconnects between the reminders.
 */
export interface PgListenerLogger {
  debug?: LogFn;
  info: LogFn;
  warn: LogFn;
}

/** Options of {@link PgListener}. */
export interface PgListenerOptions {
  /**
   * Settings of the dedicated connection (pg `ClientConfig`; a new `Client` is made from them for
   * every attempt). Give it its own `application_name`, and `keepAlive: true` to notice a dead
   * peer on an idle connection.
   */
  client: ClientConfig;
  /** The channel to `LISTEN` on, as it is notified (quoted: case kept). Must not contain `"`. */
  channel: string;
  /**
   * A notification on `channel` (payload in `notification.payload`). Called synchronously from the
   * connection's event; an exception it throws is logged at warn and otherwise ignored.
   */
  onNotification: (notification: Notification) => void;
  /**
   * Called after every successful LISTEN, the first (from `start()`, `reconnected: false`) and
   * each one after a lost connection or a failed start (`reconnected: true`): notifications sent
   * while nobody listened are lost, so this is where a caller catches up. An exception it throws
   * is logged at warn and otherwise ignored.
   */
  onConnected?: (event: { reconnected: boolean }) => void;
  /** Where the outage is logged (see {@link PgListener}); default: nowhere. */
  logger?: PgListenerLogger;
  /** Names the connection's owner at the start of every log line, e.g. `outbox relay`, `dispatcher`. */
  what: string;
  /** Fields added to every log line (e.g. `{ schema }`); `channel` is always added. */
  logFields?: Record<string, unknown>;
  /**
   * Wait before reconnect attempt n (n = 1 after a loss, counting the failed attempts since):
   * exponential from `initialMs`, doubled per attempt, capped at `maxMs`, with equal jitter (each
   * wait between half the value and the value; see `backoffMs`). In ms; default 500 / 30 000 ms.
   * `initialMs` = `maxMs` = x: every wait between x/2 and x.
   */
  reconnect?: { initialMs?: number; maxMs?: number };
}

const noop = (): void => undefined;

/**
 * A dedicated Postgres connection that LISTENs on one channel and reconnects by itself: the
 * wake-up of a loop that otherwise polls (the outbox relay, the gateway's dispatcher).
 *
 * - `start()` connects and LISTENs once; it rejects when that fails and the caller decides:
 *   give up (throw on), or {@link retryInBackground} (then poll meanwhile).
 * - A lost connection (the client's `error` or `end` event: the server went away, the backend
 *   was terminated, the network cut) is retried with `reconnect` backoff until it is back or
 *   {@link close} is called; `onConnected({ reconnected: true })` follows every reconnect.
 * - Logging, one outage as a few lines: the loss at warn once (`<what>: LISTEN connection lost,
 *   reconnecting`); the failed reconnects as one failure streak (`failureStreak` of
 *   @notify/logger: the first at warn, a reminder at warn every minute, the rest at debug,
 *   `<what>: LISTEN reconnect failed`); one info line when it is back (`<what>: LISTEN
 *   reconnected`, with the failed attempts and the seconds it was down).
 */
export class PgListener {
  private readonly log: StreakLogger;
  private readonly fields: Record<string, unknown>;
  private readonly initialMs: number;
  private readonly maxMs: number;
  /** The connected, listening client (undefined while down). */
  private client: Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Failed attempts since the connection was last up (the next wait's backoff exponent). */
  private attempts = 0;
  /** The failed reconnects of the current outage (reset when it is back: one streak per outage). */
  private readonly streak: FailureStreak;
  /** When the current outage began (Date.now(), ms). */
  private downSince = 0;
  private started = false;
  private closed = false;

  /** @throws TypeError when `channel` is empty or contains `"` or NUL (it is quoted as an identifier). */
  constructor(private readonly options: PgListenerOptions) {
    if (!options.channel || /["\0]/.test(options.channel)) {
      throw new TypeError(`PgListener: invalid channel ${JSON.stringify(options.channel)}`);
    }
    const logger = options.logger;
    // Method calls on `logger` (pino's methods need their `this`).
    this.log = {
      debug: (f, m) => logger?.debug?.(f, m),
      info: (f, m) => logger?.info(f, m),
      warn: (f, m) => logger?.warn(f, m),
      error: (f, m) => logger?.warn(f, m), // not used: every failure here is at warn
    };
    this.fields = { ...options.logFields, channel: options.channel };
    this.initialMs = options.reconnect?.initialMs ?? 500;
    this.maxMs = options.reconnect?.maxMs ?? 30_000;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs)) {
      throw new TypeError('PgListener: reconnect needs 0 < initialMs <= maxMs');
    }
    this.streak = failureStreak(this.log, `${options.what} LISTEN`);
  }

  /** Whether the connection is up and LISTENing now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /**
   * Connects and LISTENs, then calls `onConnected({ reconnected: false })`. Rejects with the
   * connect or LISTEN error (nothing is logged, nothing retried: the caller decides, see
   * {@link retryInBackground}); resolves without connecting once {@link close} was called.
   * Losses after a successful start are retried here.
   * @throws Error when called twice.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error(`${this.options.what}: PgListener.start() called twice`);
    this.started = true;
    if (this.closed) return;
    if (await this.connect()) this.connected(false);
  }

  /**
   * After a failed {@link start}: logs `cause` at warn once (`<what>: LISTEN failed, retrying in
   * the background`) and keeps trying as after a lost connection (streak, one info line and
   * `onConnected({ reconnected: true })` once it is up). No-op when listening, already retrying
   * or closed.
   */
  retryInBackground(cause: unknown): void {
    if (this.closed || this.client || this.retryTimer) return;
    this.log.warn({ ...this.fields, err: cause }, `${this.options.what}: LISTEN failed, retrying in the background`);
    this.downSince = Date.now();
    this.attempts = 0;
    this.scheduleReconnect();
  }

  /**
   * Stops: cancels a pending reconnect (no timer is left, no attempt follows) and ends the
   * connection (resolves when it is closed; never rejects). An attempt already connecting ends
   * its client as soon as it completes, without calling back. Idempotent.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(noop);
  }

  /**
   * One attempt: a new client, connect, LISTEN. Resolves true when it is now the listening
   * connection, false when closed meanwhile (the client is ended); rejects when it failed.
   */
  private async connect(): Promise<boolean> {
    const client = new Client(this.options.client);
    let dead = false;
    const onDead = (err?: Error): void => {
      if (dead) return;
      dead = true;
      client.end().catch(noop);
      if (this.client === client) this.lost(err);
    };
    // Both events: `error` for a broken socket or a terminated backend, `end` for a close
    // without an error (pg emits one or both); either way the connection is gone.
    client.on('error', onDead);
    client.on('end', () => onDead());
    client.on('notification', (n) => {
      if (this.closed || n.channel !== this.options.channel) return;
      try {
        this.options.onNotification(n);
      } catch (err) {
        this.log.warn({ ...this.fields, err }, `${this.options.what}: LISTEN notification handler failed`);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel}"`);
    } catch (err) {
      dead = true;
      await client.end().catch(noop);
      throw err;
    }
    if (dead || this.closed) {
      await client.end().catch(noop);
      if (dead) throw new Error('LISTEN connection closed while starting');
      return false;
    }
    this.client = client;
    this.attempts = 0;
    return true;
  }

  private connected(reconnected: boolean): void {
    try {
      this.options.onConnected?.({ reconnected });
    } catch (err) {
      this.log.warn({ ...this.fields, err }, `${this.options.what}: LISTEN onConnected handler failed`);
    }
  }

  private lost(err: Error | undefined): void {
    this.client = undefined;
    if (this.closed) return;
    this.log.warn({ ...this.fields, err }, `${this.options.what}: LISTEN connection lost, reconnecting`);
    this.downSince = Date.now();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    this.attempts++;
    const delayMs = backoffMs(this.attempts, this.initialMs, this.maxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed) return;
      this.connect().then(
        (up) => {
          if (!up) return;
          const failures = this.streak.failures;
          this.streak.reset(); // the next outage is a streak of its own (its end is the info line below)
          this.log.info(
            { ...this.fields, failures, down_for_s: Math.round((Date.now() - this.downSince) / 1000) },
            `${this.options.what}: LISTEN reconnected`,
          );
          this.connected(true);
        },
        (err: unknown) => {
          if (this.closed) return;
          this.streak.failure('warn', { ...this.fields, err, attempt: this.attempts }, `${this.options.what}: LISTEN reconnect failed`);
          this.scheduleReconnect();
        },
      );
    }, delayMs);
  }
}
