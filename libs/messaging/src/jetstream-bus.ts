import { connect } from '@nats-io/transport-node';
import { headers as natsHeaders, nanos, type NatsConnection, type MsgHdrs } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StreamUpdateConfig,
} from '@nats-io/jetstream';
import { lostConnectionOf } from '@notify/errors';
import {
  DEFAULT_DUPLICATE_WINDOW_MS,
  silentLogger,
  type ConsumeOptions,
  type ConsumerHandle,
  type ConsumerSpec,
  type EventBus,
  type EventHandler,
  type IncomingEvent,
  type MessagingLogger,
  type OutgoingEvent,
  type PublishResult,
  type StreamSpec,
} from './event-bus';
import { ConsumerRunner, DEFAULT_ACK_WAIT_MS, DEFAULT_CONCURRENCY, oneLine, type Delivery, type DeliverySource } from './consumer-runner';
import { withPublishSpan } from './messaging-tracing';
import { PublishFailedError } from './publish-failed.error';

export interface JetStreamBusOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  url: string | string[];
  /** Connection name shown by the server (the service name). */
  name: string;
  logger?: MessagingLogger;
  /** Timeout of each JetStream API call and publish ack, ms. Default 5 000. */
  timeoutMs?: number;
  /**
   * Replicas of every stream `ensureStreams` creates or updates (JetStream `num_replicas`,
   * 1..5). Default 1. More than 1 needs a clustered JetStream (a single server refuses it);
   * changing it on an existing stream scales that stream.
   */
  streamReplicas?: number;
  /**
   * Called each time the connection is back after a loss (NATS status `reconnect`): the outbox
   * relay publishes what waited at once instead of at its next backoff (QA: events went out ~40 s
   * after NATS was back). Errors it throws are ignored.
   */
  onReconnect?: () => void;
}

function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/** `a.b.c` server version ≥ `min` (numeric compare). */
export function versionAtLeast(version: string, min: [number, number, number]): boolean {
  const parts = version.split(/[.-]/).map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < 3; i++) {
    const v = Number.isFinite(parts[i]) ? parts[i] : 0;
    if (v !== min[i]) return v > min[i];
  }
  return true;
}

function headersToRecord(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const key of h.keys()) out[key] = h.get(key);
  return out;
}

/**
 * The JetStream implementation of `EventBus` (NATS v3 client). Create with
 * `connectJetStreamBus`. Durable consumers are pull consumers with explicit ack; the server's
 * `max_deliver` is unlimited (-1, also set on an existing consumer when `consume` updates it):
 * a transient failure is redelivered for as long as it lasts, `ConsumerSpec.maxDeliver` (a
 * budget of non-transient failures) is enforced by the runner, and a message is terminated only
 * after its dead letter was recorded (a failing sink → retried, never dropped silently by the
 * server).
 */
export class JetStreamEventBus implements EventBus {
  private readonly handles = new Set<ConsumerHandle>();
  private readonly js: JetStreamClient;
  /** `+TERM <reason>` needs nats-server 2.11; older servers treat it as unknown and redeliver. */
  private readonly termWithReason: boolean;
  private readonly multiFilter: boolean;

  constructor(
    /** The underlying connection (health checks, advanced use). */
    readonly connection: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly logger: MessagingLogger,
    /** `num_replicas` of the streams `ensureStreams` declares (default 1). */
    private readonly streamReplicas = 1,
  ) {
    if (!Number.isInteger(streamReplicas) || streamReplicas < 1 || streamReplicas > 5) {
      throw new RangeError(`streamReplicas must be an integer from 1 to 5 (got ${streamReplicas})`);
    }
    this.js = jsm.jetstream();
    const version = connection.info?.version ?? '0.0.0';
    this.termWithReason = versionAtLeast(version, [2, 11, 0]);
    this.multiFilter = versionAtLeast(version, [2, 10, 0]);
  }

  /**
   * Creates missing streams and updates existing ones (subjects, duplicate window, max age, max
   * bytes and max message size when the spec sets them, replicas from `streamReplicas`).
   */
  async ensureStreams(streams: StreamSpec[]): Promise<void> {
    for (const s of streams) {
      const duplicateWindowMs = s.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
      const maxAgeMs = s.maxAgeMs ?? 0;
      const update: Partial<StreamUpdateConfig> = {
        subjects: s.subjects,
        duplicate_window: nanos(maxAgeMs > 0 ? Math.min(duplicateWindowMs, maxAgeMs) : duplicateWindowMs),
        max_age: nanos(maxAgeMs),
        num_replicas: this.streamReplicas,
        discard: DiscardPolicy.Old,
      };
      // Unset limits are left alone (a new stream gets the server's default: unlimited).
      if (s.maxBytes !== undefined) update.max_bytes = s.maxBytes;
      if (s.maxMsgSize !== undefined) update.max_msg_size = s.maxMsgSize;
      if (!(await this.streamExists(s.name))) {
        try {
          await this.jsm.streams.add({
            name: s.name,
            ...update,
            storage: StorageType.File,
            retention: RetentionPolicy.Limits,
          });
          this.logger.info({ stream: s.name, subjects: s.subjects }, 'stream created');
          continue;
        } catch (err) {
          // Another replica may have created it between info and add: then update it;
          // otherwise (overlapping subjects, bad config) the add error is the answer.
          if (!(await this.streamExists(s.name))) throw err;
        }
      }
      await this.jsm.streams.update(s.name, update);
    }
  }

  private async streamExists(name: string): Promise<boolean> {
    try {
      await this.jsm.streams.info(name);
      return true;
    } catch (err) {
      if (isApiError(err, JetStreamApiCodes.StreamNotFound)) return false;
      throw err;
    }
  }

  private async consumerExists(stream: string, durable: string): Promise<boolean> {
    try {
      await this.jsm.consumers.info(stream, durable);
      return true;
    } catch (err) {
      if (isApiError(err, JetStreamApiCodes.ConsumerNotFound)) return false;
      throw err;
    }
  }

  /** Deletes streams (test fixtures and tooling; missing streams are ignored). */
  async deleteStreams(names: string[]): Promise<void> {
    for (const name of names) {
      try {
        await this.jsm.streams.delete(name);
      } catch (err) {
        if (!isApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
      }
    }
  }

  /** Messages currently stored in a stream (tests, diagnostics). */
  async streamMessageCount(name: string): Promise<number> {
    return (await this.jsm.streams.info(name)).state.messages;
  }

  async publish(evt: OutgoingEvent): Promise<PublishResult> {
    return withPublishSpan(evt, 'nats', async (hdrs) => {
      const h = natsHeaders();
      for (const [k, v] of Object.entries(hdrs)) h.set(k, v);
      try {
        const ack = await this.js.publish(evt.subject, evt.data, { msgID: evt.msgID, headers: h });
        return { duplicate: ack.duplicate, seq: ack.seq };
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        throw new PublishFailedError(evt.subject, `${detail} (no stream captures the subject, or JetStream is unavailable)`, {
          cause: err,
        });
      }
    });
  }

  async consume(spec: ConsumerSpec, handler: EventHandler, opts: ConsumeOptions = {}): Promise<ConsumerHandle> {
    await this.ensureConsumer(spec);
    const concurrency = Math.max(1, Math.floor(opts.concurrency ?? DEFAULT_CONCURRENCY));
    const ackWaitMs = spec.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    const runner = new ConsumerRunner({
      spec,
      handler,
      system: 'nats',
      logger: this.logger,
      concurrency,
      ...(opts.orderKey ? { orderKey: opts.orderKey } : {}),
      deadLetter: opts.deadLetter,
      heartbeatMs: Math.max(50, Math.floor(ackWaitMs / 2)),
      openSource: () => this.openSource(spec, concurrency),
    });
    await runner.start();
    const handle: ConsumerHandle = {
      stop: async () => {
        await runner.stop();
        this.handles.delete(handle);
      },
    };
    this.handles.add(handle);
    this.logger.info({ stream: spec.stream, durable: spec.durable, concurrency }, 'durable consumer started');
    return handle;
  }

  /** Stops (drains) every consumer, then drains and closes the connection. */
  async close(): Promise<void> {
    await Promise.all([...this.handles].map((h) => h.stop()));
    if (!this.connection.isClosed()) await this.connection.drain();
  }

  private consumerConfig(spec: ConsumerSpec): Partial<ConsumerConfig> {
    const cfg: Partial<ConsumerConfig> = {
      durable_name: spec.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(spec.ackWaitMs ?? DEFAULT_ACK_WAIT_MS),
      max_deliver: -1,
    };
    const filters = spec.filterSubjects ?? [];
    if (filters.length === 1) cfg.filter_subject = filters[0];
    if (filters.length > 1) {
      if (!this.multiFilter) {
        throw new Error(
          `consumer ${spec.durable}: ${filters.length} filter subjects need nats-server >= 2.10 (server is ${this.connection.info?.version})`,
        );
      }
      cfg.filter_subjects = filters;
    }
    return cfg;
  }

  /** Creates the durable consumer, or updates it to the declared config. */
  private async ensureConsumer(spec: ConsumerSpec): Promise<void> {
    const cfg = this.consumerConfig(spec);
    if (!(await this.consumerExists(spec.stream, spec.durable))) {
      try {
        await this.jsm.consumers.add(spec.stream, cfg);
        return;
      } catch (err) {
        // Created concurrently by another instance: update it; otherwise rethrow.
        if (!(await this.consumerExists(spec.stream, spec.durable))) throw err;
      }
    }
    const { durable_name: _name, deliver_policy: _policy, ...updatable } = cfg;
    await this.jsm.consumers.update(spec.stream, spec.durable, updatable);
  }

  private async openSource(spec: ConsumerSpec, concurrency: number): Promise<DeliverySource> {
    const consumer = await this.js.consumers.get(spec.stream, spec.durable);
    const messages = await consumer.consume({ max_messages: concurrency });
    void (async () => {
      for await (const s of messages.status()) {
        if (s.type === 'heartbeats_missed' || s.type === 'consumer_not_found' || s.type === 'stream_not_found' || s.type === 'consumer_deleted') {
          this.logger.warn({ stream: spec.stream, durable: spec.durable, status: s }, 'consumer status');
        }
      }
    })().catch(() => undefined);
    const toDelivery = (m: JsMsg): Delivery => {
      const hdrs = headersToRecord(m.headers);
      const event: IncomingEvent = {
        subject: m.subject,
        data: m.data,
        msgID: hdrs['Nats-Msg-Id'],
        headers: hdrs,
        deliveryCount: m.info.deliveryCount,
        stream: m.info.stream,
        seq: m.seq,
      };
      return {
        event,
        ack: () => m.ack(),
        nak: (delayMs) => m.nak(delayMs),
        term: (reason) => (this.termWithReason ? m.term(oneLine(reason, 200)) : m.term()),
        working: () => m.working(),
      };
    };
    return {
      close: () => {
        void messages.close();
      },
      [Symbol.asyncIterator]: async function* () {
        for await (const m of messages) yield toDelivery(m);
      },
    };
  }
}

/**
 * true when a first-connect error means no server answered: nats.js's ConnectionError (refused)
 * or TimeoutError, or a refused / lost socket as @notify/errors' lostConnectionOf reads it
 * (unknown host, no route, reset).
 */
function isUnreachable(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'ConnectionError' || name === 'TimeoutError' || lostConnectionOf(err) !== undefined;
}

/** `url` without its user and password (`nats://u:p@host` → `nats://host`), for logs and error messages. */
export function redactNatsUrl(url: string | string[]): string {
  return [url].flat().map((u) => u.replace(/^([a-z]+:\/\/)?[^@/]*@/i, '$1')).join(',');
}

/** No NATS server of `url` could be reached (the first connection failed; `cause` says why). The message names the servers without credentials. */
export class NatsUnreachableError extends Error {
  constructor(
    readonly url: string | string[],
    cause: unknown,
  ) {
    super(`cannot reach NATS at ${redactNatsUrl(url)}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'NatsUnreachableError';
  }
}

/**
 * Connects to NATS (reconnecting forever) and returns a JetStream `EventBus`.
 * Rejects with NatsUnreachableError when no server answers (refused, unknown host, timeout), with
 * the server's error when it answers and refuses (credentials, TLS) or JetStream is not enabled, or with a RangeError when `streamReplicas` is not an integer
 * from 1 to 5.
 */
export async function connectJetStreamBus(opts: JetStreamBusOptions): Promise<JetStreamEventBus> {
  const logger = opts.logger ?? silentLogger;
  const nc = await connect({
    servers: opts.url,
    name: opts.name,
    maxReconnectAttempts: -1,
    timeout: opts.timeoutMs ?? 5_000,
    // No Error (stack capture) created per request and per timer just in case it fails: that was
    // ~10% of the gateway's NATS cost at two publishes per delivery. Failures still reject, with
    // PublishFailedError naming the subject (publish) or the consumer's own context.
    noAsyncTraces: true,
  }).catch((err: unknown) => {
    // Only "nothing answered" is unreachable; a server that answered and refused (credentials,
    // TLS, protocol) is a configuration error and rejects as it is.
    throw isUnreachable(err) ? new NatsUnreachableError(opts.url, err) : err;
  });
  try {
    const jsm = await jetstreamManager(nc, { timeout: opts.timeoutMs ?? 5_000 });
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'reconnect') {
          // Back: one info line (the loss was a warning), and whoever waits for it is told.
          logger.info({ status: s.type, server: 'server' in s ? s.server : undefined }, 'nats connection status: reconnected');
          try {
            opts.onReconnect?.();
          } catch {
            // the listener's own business
          }
        } else if (s.type === 'disconnect' || s.type === 'error') {
          logger.warn({ status: s.type, server: 'server' in s ? s.server : undefined }, 'nats connection status');
        }
      }
    })().catch(() => undefined);
    logger.info({ server: nc.getServer(), version: nc.info?.version }, 'connected to NATS JetStream');
    return new JetStreamEventBus(nc, jsm, logger, opts.streamReplicas ?? 1);
  } catch (err) {
    await nc.close();
    throw err;
  }
}
