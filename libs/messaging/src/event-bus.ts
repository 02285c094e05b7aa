/**
 * The event bus contract shared by the JetStream implementation (`connectJetStreamBus`) and
 * the single-process one (`createInProcessBus`). Services depend on `EventBus` only; the
 * composition root picks the implementation (NATS when `NATS_URL` is set, ARCHITECTURE.md
 * "Running it").
 *
 * Units: every duration here is in milliseconds (the JetStream adapter converts to the
 * server's nanoseconds).
 */

/** An event to publish. `data` is the encoded payload (protobuf bytes, ARCHITECTURE.md "Events"). */
export interface OutgoingEvent {
  /** Full subject, e.g. `notify.ticket.v1.created`. A stream must capture it. */
  subject: string;
  data: Uint8Array;
  /**
   * Idempotency key, sent as `Nats-Msg-Id` (= the event id). A second publish with the same
   * `msgID` inside the stream's duplicate window stores nothing and returns `duplicate: true`.
   */
  msgID: string;
  /**
   * Extra headers (ASCII names, values without CR/LF). A `traceparent` given here (e.g. the one
   * the outbox row captured in the original request) becomes the parent of the publish span;
   * otherwise the active context is the parent. Either way the sent `traceparent` is the
   * PRODUCER span's, so the trace id is preserved end to end.
   */
  headers?: Record<string, string>;
}

/** What the stream answered. `seq` is the stream sequence (of the original on a duplicate). */
export interface PublishResult {
  duplicate: boolean;
  seq?: number;
}

/** A delivered event, as a handler sees it. */
export interface IncomingEvent {
  subject: string;
  data: Uint8Array;
  /** `Nats-Msg-Id` of the published event, when it had one. */
  msgID?: string;
  /** All message headers (first value of each), including `traceparent` / `tracestate`. */
  headers: Record<string, string>;
  /** 1 on the first delivery, incremented by every redelivery (nak or ack-wait expiry). */
  deliveryCount: number;
  /** Stream the message is stored in. */
  stream?: string;
  /** Stream sequence. */
  seq?: number;
}

/**
 * What a handler decides. Returning nothing (`void`) is `ack`.
 * - `ack`: done.
 * - `nak` with `transient: true`: a dependency is unavailable or timed out (ARCHITECTURE.md
 *   "Events": `nak(delay)` on a transient failure). Redelivered after `delayMs` for as long as
 *   the handler keeps saying so; never dead-lettered and not counted against `maxDeliver`.
 *   The handler picks the delay (cap it, e.g. `retryDelayMs`, at most 60 s by default).
 * - `nak` without `transient`: a failure of this message (retry later). Counts against
 *   `ConsumerSpec.maxDeliver`; on the `maxDeliver`-th such failure the runner dead-letters and
 *   terminates it instead.
 * - `term`: never redeliver; the runner records a dead letter first (poison message).
 */
export type HandlerOutcome =
  | { kind: 'ack' }
  | { kind: 'nak'; delayMs: number; reason?: string; transient?: boolean }
  | { kind: 'term'; reason: string };

export type EventHandler = (evt: IncomingEvent) => Promise<HandlerOutcome | void>;

/** JetStream's default `Nats-Msg-Id` dedupe window (2 minutes), ms. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;

/** A stream declared in code (created or updated by `ensureStreams`). */
export interface StreamSpec {
  /** Stream name, e.g. `TICKET_EVENTS` (no dots, spaces or wildcards). */
  name: string;
  /** Subjects it captures, wildcards allowed (`notify.ticket.v1.>`). */
  subjects: string[];
  /** `Nats-Msg-Id` dedupe window, ms. Default 120 000 (the JetStream default, 2 minutes). */
  duplicateWindowMs?: number;
  /** Messages older than this are discarded, ms. Default: kept (0 = unlimited). */
  maxAgeMs?: number;
  /**
   * Stored bytes kept; the oldest messages are discarded beyond it (JetStream `max_bytes`,
   * discard old). Default: unlimited. JetStream reserves this much storage per replica when the
   * stream is created or updated and refuses it ("insufficient storage resources") when the
   * server's JetStream store cannot hold it.
   */
  maxBytes?: number;
  /** Largest message accepted (payload + headers), bytes; a larger publish is rejected. Default: the server's limit. */
  maxMsgSize?: number;
}

/**
 * Exponential backoff for naks after a thrown error (transient or not):
 * `delay(n) = min(maxDelayMs, initialDelayMs * multiplier^(n-1))`, then ± `jitter` (a fraction,
 * 0.2 = ±20 %), where `n` is the delivery count that failed. Durations in ms.
 */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  jitter: number;
}

/** A durable consumer declared in code (created or updated when `consume` starts). */
export interface ConsumerSpec {
  stream: string;
  /** Durable name, `<consumer>-<domain>` (no dots), e.g. `gateway-ticket`. */
  durable: string;
  /**
   * Subjects to receive (default: everything in the stream). One subject works on every
   * server; two or more need nats-server >= 2.10 (`filter_subjects`).
   */
  filterSubjects?: string[];
  /**
   * Budget of NON-transient failures (a thrown error that is neither poison nor transient, or a
   * `nak` outcome without `transient`) before a message is dead-lettered. Default 5. The
   * `maxDeliver`-th such failure dead-letters and terminates it.
   *
   * Transient failures (`UnavailableError` / `TimeoutError` from `@notify/errors`, an error with
   * `transient: true`, or a `nak` outcome with `transient: true`) do not count: they are retried
   * with capped backoff for as long as they last. Poison (`PoisonMessageError`, `permanent:
   * true`) and `term` outcomes are dead-lettered at once.
   *
   * The count is kept by each consumer instance (process) in memory, because JetStream's
   * delivery count also counts transient naks: with k instances sharing the durable, or across
   * a restart, a message may fail up to about k × `maxDeliver` times before it is
   * dead-lettered, never fewer than `maxDeliver`.
   */
  maxDeliver?: number;
  /** Time the server waits for an ack before redelivering, ms. Default 30 000. */
  ackWaitMs?: number;
  /**
   * Explicit nak delays after a thrown error (transient or not), ms: delivery n waits
   * `backoffMs[min(n, len) - 1]` (± `retry.jitter`), so the last entry is the cap. When absent,
   * `retry` (exponential, capped at `retry.maxDelayMs`) applies.
   */
  backoffMs?: number[];
  /** Exponential backoff; defaults `DEFAULT_RETRY_POLICY` (1 s, ×2, max 60 s, ±20 %). */
  retry?: Partial<RetryPolicy>;
}

/**
 * Why the runner dead-lettered a message: `poison` (thrown `PoisonMessageError` / `permanent:
 * true`), `handler_term` (a `term` outcome), `max_deliver` (`maxDeliver` non-transient failures).
 */
export type DeadLetterCause = 'poison' | 'handler_term' | 'max_deliver';

/** Where a dead letter came from (the consumer that gave up on it). */
export interface DeadLetterContext {
  stream: string;
  durable: string;
  cause: DeadLetterCause;
}

/**
 * Records messages the consumer gave up on. `record` must be durable when it resolves: the
 * runner terminates the message only afterwards; when `record` rejects, the message is nak'ed
 * with backoff and tried again later (never dropped silently).
 */
export interface DeadLetterSink {
  record(evt: IncomingEvent, reason: string, context: DeadLetterContext): Promise<void>;
}

export interface ConsumeOptions {
  /**
   * Handlers running at once for this consumer instance. Default 1, which keeps per-consumer
   * order (a redelivery can still overtake); raise it for handlers that are idempotent and
   * order-free (the deliveries table's unique key makes the gateway's so).
   */
  concurrency?: number;
  /**
   * Messages with the same key run one after another, in the order they were received; those
   * with different keys (or none: undefined) run concurrently up to `concurrency`. The gateway
   * keys ticket events by ticket, so a ticket's `created` is turned into deliveries before its
   * `assigned` even with many events in flight. A message waiting for its key's predecessor
   * holds a concurrency slot. Best effort across redeliveries: a nak'ed message comes back
   * after its delay, behind later messages of its key. A key function that throws counts as
   * no key (the handler then sees the message and decides).
   */
  orderKey?: (evt: IncomingEvent) => string | undefined;
  /** Default: a sink that writes the dead letter to the log (no payload) at error level. */
  deadLetter?: DeadLetterSink;
}

export interface ConsumerHandle {
  /** Drain: stop pulling, let in-flight (and already received) messages finish, then resolve. Idempotent. */
  stop(): Promise<void>;
}

export interface EventBus {
  /** Creates or updates the streams (idempotent; safe from several replicas at once). */
  ensureStreams(streams: StreamSpec[]): Promise<void>;
  /**
   * Publishes with `Nats-Msg-Id` = `msgID` inside a PRODUCER span whose context goes into
   * `traceparent` / `tracestate`. Rejects when no stream captures the subject or the bus is
   * unreachable (the outbox relay retries later).
   */
  publish(evt: OutgoingEvent): Promise<PublishResult>;
  /**
   * Creates or updates the durable consumer, then runs `handler` for each message on it.
   * Several instances (processes or calls) on the same durable share the work: each message
   * is handled by one of them. Settlement: `void`/`ack` → ack; thrown error → nak with backoff
   * (`PoisonMessageError` or an error with `permanent: true` → dead letter + term; a transient
   * error — `UnavailableError`, `TimeoutError`, `transient: true` — is retried without limit,
   * any other error is dead-lettered after `maxDeliver` failures); see `HandlerOutcome`,
   * `ConsumerSpec.maxDeliver`.
   */
  consume(spec: ConsumerSpec, handler: EventHandler, opts?: ConsumeOptions): Promise<ConsumerHandle>;
  /** Stops every consumer (drains them) and closes the connection. */
  close(): Promise<void>;
}

/** A pino-compatible logger (only these four methods are used). */
export interface MessagingLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

export const silentLogger: MessagingLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
