import type {
  ConsumeOptions, ConsumerHandle, ConsumerSpec, EventBus, EventHandler, MessagingLogger, OutgoingEvent, PublishResult, StreamSpec,
} from './event-bus';
import { silentLogger } from './event-bus';
import { NatsUnreachableError, connectJetStreamBus, type JetStreamBusOptions, type JetStreamEventBus } from './jetstream-bus';
import { PublishFailedError } from './publish-failed.error';

/** Options of {@link DeferredJetStreamBus}. */
export interface DeferredJetStreamBusOptions extends JetStreamBusOptions {
  /** Wait between two connection attempts, ms (default 5000). */
  retryMs?: number;
  /** Called once the bus is connected, its streams ensured and its waiting consumers started. */
  onConnected?: () => void;
}

/** A consume() made before the connection: started once connected, unless stopped meanwhile. */
interface PendingConsumer {
  spec: ConsumerSpec;
  handler: EventHandler;
  opts: ConsumeOptions | undefined;
  stopped: boolean;
  handle?: ConsumerHandle;
}

/**
 * A JetStream EventBus for a service that started while NATS could not be reached: the service
 * serves its requests meanwhile (no request needs NATS: events wait in the transactional outbox)
 * and this bus connects in the background, every `retryMs`, until it succeeds.
 * - `publish` before the connection rejects with PublishFailedError ("NATS not connected yet"):
 *   the outbox relay keeps the event and tries again later, as during any NATS outage.
 * - `ensureStreams` before the connection records the streams; they are ensured first thing once
 *   connected.
 * - `consume` before the connection resolves at once with a handle; the durable consumer starts
 *   once connected (its messages were kept by JetStream meanwhile). `stop()` on the handle
 *   before that cancels it.
 * - Once connected, everything goes to the JetStreamEventBus (connectJetStreamBus: reconnecting
 *   for ever from then on). A failure after connecting (a stream or consumer that cannot be
 *   made) closes that connection and the next attempt starts over; it is logged at error (a
 *   configuration problem, not an outage), once a minute.
 * - `close` ends the attempts (waiting for one in progress) and closes the connection when there is one.
 * Logs each failed attempt at debug, a warn every minute while NATS cannot be reached, and info
 * once connected. Error messages and logs name the servers without credentials.
 */
export class DeferredJetStreamBus implements EventBus {
  private bus: JetStreamEventBus | undefined;
  private readonly streams: StreamSpec[] = [];
  private readonly pending: PendingConsumer[] = [];
  private readonly logger: MessagingLogger;
  private readonly retryMs: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private attempts = 0;
  private readonly since = Date.now();
  private lastWarnAt = Date.now();
  private lastErrorAt = 0;
  /** The attempt in progress, if any (close() waits for it). */
  private running: Promise<void> | undefined;
  private resolveConnected!: () => void;
  /** Resolves once connected (streams ensured, waiting consumers started); never rejects. */
  readonly connected: Promise<void>;

  constructor(private readonly options: DeferredJetStreamBusOptions) {
    this.logger = options.logger ?? silentLogger;
    this.retryMs = options.retryMs ?? 5_000;
    this.connected = new Promise((resolve) => (this.resolveConnected = resolve));
    this.schedule();
  }

  /** true once connected (see {@link connected}). */
  isConnected(): boolean {
    return this.bus !== undefined;
  }

  async ensureStreams(streams: StreamSpec[]): Promise<void> {
    if (this.bus) return this.bus.ensureStreams(streams);
    this.streams.push(...streams);
  }

  async publish(evt: OutgoingEvent): Promise<PublishResult> {
    if (this.bus) return this.bus.publish(evt);
    throw new PublishFailedError(evt.subject, 'NATS not connected yet (the service started while it was unreachable)');
  }

  async consume(spec: ConsumerSpec, handler: EventHandler, opts?: ConsumeOptions): Promise<ConsumerHandle> {
    if (this.bus) return this.bus.consume(spec, handler, opts);
    const entry: PendingConsumer = { spec, handler, opts, stopped: false };
    this.pending.push(entry);
    return {
      stop: async () => {
        entry.stopped = true;
        await entry.handle?.stop();
      },
    };
  }

  /** Ends the attempts (waiting for one in progress) and closes the connection when there is one. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
    await this.bus?.close();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.attempt().finally(() => (this.running = undefined));
    }, this.retryMs);
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    this.attempts++;
    let bus: JetStreamEventBus | undefined;
    try {
      const connected = await connectJetStreamBus(this.options);
      bus = connected;
      // Streams recorded while this attempt runs (during an await below) are ensured too.
      let ensured = 0;
      const ensureRecorded = async (): Promise<void> => {
        while (ensured < this.streams.length) {
          const upTo = this.streams.length;
          await connected.ensureStreams(this.streams.slice(ensured, upTo));
          ensured = upTo;
        }
      };
      await ensureRecorded();
      for (const p of this.pending) {
        if (p.stopped || p.handle) continue;
        p.handle = await connected.consume(p.spec, p.handler, p.opts);
        if (p.stopped) await p.handle.stop(); // stopped while it was being started
      }
      await ensureRecorded();
    } catch (err) {
      // Consumers started on this connection end with it; they are started again next time.
      for (const p of this.pending) p.handle = undefined;
      await bus?.close().catch(() => undefined);
      const fields = { attempts: this.attempts, down_for_s: Math.round((Date.now() - this.since) / 1000), err: err instanceof Error ? err.message : String(err) };
      if (bus || !(err instanceof NatsUnreachableError)) {
        // It answered but refused (a stream or consumer it will not make, credentials): not an outage.
        if (Date.now() - this.lastErrorAt >= 60_000) {
          this.lastErrorAt = Date.now();
          this.logger.error(fields, 'NATS answers but refuses the streams, consumers or connection: fix the configuration (events wait in the outbox; retrying)');
        }
      } else if (Date.now() - this.lastWarnAt >= 60_000) {
        this.lastWarnAt = Date.now();
        this.logger.warn(fields, 'still cannot reach NATS: events wait in the outbox, consumers wait to start');
      } else {
        this.logger.debug(fields, 'NATS connection attempt failed');
      }
      this.schedule();
      return;
    }
    if (this.closed) {
      await bus.close().catch(() => undefined);
      return;
    }
    this.bus = bus;
    const started = this.pending.filter((p) => p.handle).length;
    this.pending.length = 0;
    this.logger.info({ attempts: this.attempts, consumers: started }, 'connected to NATS (unreachable at start): streams ensured, consumers started');
    this.options.onConnected?.();
    this.resolveConnected();
  }
}
