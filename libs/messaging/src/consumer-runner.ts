import { failureStreak, type FailureStreak } from '@notify/logger';
import { context as otelContext, SpanStatusCode, type Span } from '@opentelemetry/api';
import type {
  ConsumerHandle,
  ConsumerSpec,
  DeadLetterCause,
  DeadLetterSink,
  EventHandler,
  IncomingEvent,
  MessagingLogger,
} from './event-bus';
import { LoggingDeadLetterSink } from './dead-letter-sinks';
import { startProcessSpan } from './messaging-tracing';
import { isPermanentError } from './poison-message.error';
import { retryDelayMs } from './retry-backoff';
import { isTransientError } from './transient-error';

/** Default budget of non-transient failures per message (`ConsumerSpec.maxDeliver`). */
export const DEFAULT_MAX_DELIVER = 5;
export const DEFAULT_ACK_WAIT_MS = 30_000;
export const DEFAULT_CONCURRENCY = 1;
/** Extra delay per message nak'd behind an earlier nak'd one of its order key, so they come back in order (ms). */
const ORDERED_NAK_STEP_MS = 100;
/** How long past its due time a nak'd head still holds its key's other messages back (ms): then it is taken to have gone elsewhere. */
const NAKED_KEY_GRACE_MS = 10_000;

/**
 * An order key whose message was nak'd: that message (the head, by {@link ConsumerRunner.messageKey};
 * undefined once it was handled), when it is due back, and the messages nak'd behind it in their
 * order: each comes back, and is let through, only after the ones before it.
 */
interface NakedKey {
  head: string | undefined;
  until: number;
  followers: Array<string | undefined>;
  /** Last change (ms): a marker untouched for NAKED_KEY_GRACE_MS past its schedule is dropped. */
  touched: number;
}
/** Pause before re-opening a consumer whose message stream failed (connection loss, consumer deleted). */
const REOPEN_DELAY_MS = 1_000;
/**
 * Messages whose non-transient failures a runner remembers at once; beyond it the oldest entry
 * is forgotten (that message's budget starts again: more retries, never an early dead letter).
 */
const FAILURE_MEMORY = 10_000;

/** One received message and the ways to settle it (implemented per transport). */
export interface Delivery {
  event: IncomingEvent;
  ack(): void;
  nak(delayMs: number): void;
  term(reason: string): void;
  /** Tells the server the message is still being worked on (resets its ack wait). */
  working(): void;
}

/** A pull subscription: yields deliveries until `close()`; after `close()` it yields what it already holds, then ends. */
export interface DeliverySource extends AsyncIterable<Delivery> {
  close(): void;
}

export interface ConsumerRunnerOptions {
  spec: ConsumerSpec;
  handler: EventHandler;
  openSource: () => Promise<DeliverySource>;
  /** `messaging.system` of the spans. */
  system: string;
  logger: MessagingLogger;
  concurrency?: number;
  /** Per-key order (ConsumeOptions.orderKey). */
  orderKey?: (evt: IncomingEvent) => string | undefined;
  deadLetter?: DeadLetterSink;
  /** Calls `working()` at this period from a message's receipt until it is settled, waiting behind its order key included (ms); 0 = never. */
  heartbeatMs?: number;
  random?: () => number;
}

type Decision =
  | { kind: 'ack' }
  | { kind: 'nak'; delayMs: number; reason?: string; transient: boolean }
  | { kind: 'dead_letter'; cause: DeadLetterCause; reason: string };

/** Header values and `+TERM` reasons are single-line and short. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/[\r\n]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Runs a handler over a durable consumer's deliveries with bounded concurrency and settles
 * each message, inside a CONSUMER span that continues the producer's trace. Shared by both
 * buses so their semantics cannot drift. Settlement (ARCHITECTURE.md "Events": `nak(delay)` on
 * a transient failure, `term` on a poison message, which lands in a dead-letter record):
 * - handler returns / `ack` → ack;
 * - transient failure (`nak` outcome with `transient: true`, or a thrown `isTransientError`:
 *   `UnavailableError`, `TimeoutError`, `transient: true`) → nak (the outcome's delay, or
 *   `retryDelayMs`: exponential, capped at 60 s by default), whatever the delivery count;
 * - poison (thrown `isPermanentError`) or a `term` outcome → dead letter + term at once;
 * - any other failure (thrown error, `nak` outcome without `transient`) → nak with backoff,
 *   and dead letter + term on the `maxDeliver`-th such failure of the message.
 *
 * With an order key (ConsumeOptions.orderKey) a transient failure is retried in place instead
 * (after the same delays; the message kept alive with `working()`), so the key's later
 * messages keep waiting behind it; at stop() it is nak'd. A message of a key nak'd for any
 * reason takes the key's other messages along until it is back (those waiting behind it and
 * those arriving meanwhile, also when it fails again): they are nak'd unprocessed, each a
 * little later (ORDERED_NAK_STEP_MS), to come back in their order.
 *
 * Non-transient failures are counted here, per message (stream + sequence) in memory, and not
 * taken from the delivery count, which also counts transient naks (a long outage would
 * otherwise use up the budget). Counts are per runner: other instances on the same durable
 * and a restarted process count from zero, so a message gets at least `maxDeliver`
 * non-transient failures before it is dead-lettered. The server never gives up on a message
 * (`max_deliver` -1): a message is terminated only after its dead letter was recorded.
 */
export class ConsumerRunner implements ConsumerHandle {
  private readonly maxDeliver: number;
  private readonly concurrency: number;
  private readonly deadLetter: DeadLetterSink;
  private readonly inflight = new Set<Promise<void>>();
  /** Per order key, the last message's run: the next one of the key starts after it. */
  private readonly tails = new Map<string, Promise<void>>();
  /**
   * Per order key whose message (the head) was nak'd — handed back to the server for later:
   * which message, when it comes back. Every other message of the key, waiting here or arriving
   * meanwhile, is nak'd behind it unprocessed, so none of them overtakes it; cleared when the
   * head is acknowledged or dead-lettered, or {@link NAKED_KEY_GRACE_MS} after it was due back
   * (it went to another replica).
   */
  private readonly nakedKeys = new Map<string, NakedKey>();
  /** Aborted by stop(): ends the in-place retry waits of ordered consumers. */
  private readonly stopController = new AbortController();
  /** Non-transient failures per message (`failureKey`), oldest first; dropped once settled for good. */
  private readonly failures = new Map<string, number>();
  /**
   * Transient failures (naks and in-place retries), logged as one outage (@notify/logger
   * failureStreak: the first at warn, a reminder a minute, one "recovered" line at the ack of a
   * message that had failed), not one warn per retry of every message while a dependency is down.
   */
  private readonly transientStreak: FailureStreak;
  private source?: DeliverySource;
  private stopping = false;
  private wake?: () => void;
  private done?: Promise<void>;

  constructor(private readonly opts: ConsumerRunnerOptions) {
    this.maxDeliver = opts.spec.maxDeliver ?? DEFAULT_MAX_DELIVER;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? DEFAULT_CONCURRENCY));
    this.deadLetter = opts.deadLetter ?? new LoggingDeadLetterSink(opts.logger);
    this.transientStreak = failureStreak(opts.logger, `consumer ${opts.spec.durable} (transient failures)`);
  }

  /** Opens the first subscription (errors surface to the caller), then runs in the background. */
  async start(): Promise<void> {
    const first = await this.opts.openSource();
    this.done = this.loop(first);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopController.abort();
    this.source?.close();
    this.wake?.();
    await this.done;
  }

  private get logFields() {
    return { stream: this.opts.spec.stream, durable: this.opts.spec.durable };
  }

  private async loop(first: DeliverySource): Promise<void> {
    let next: DeliverySource | undefined = first;
    while (!this.stopping) {
      try {
        const source: DeliverySource = next ?? (await this.opts.openSource());
        next = undefined;
        this.source = source;
        if (this.stopping) source.close();
        for await (const delivery of source) {
          const key = this.orderKeyOf(delivery.event);
          const before = key === undefined ? undefined : this.tails.get(key);
          // The heartbeat runs from receipt to settlement: a message waiting behind its key
          // (possibly longer than the ack wait) is kept alive too, not redelivered meanwhile.
          const heartbeat = this.startHeartbeat(delivery);
          const run =
            key === undefined ? this.process(delivery) : before ? before.then(() => this.processOrdered(delivery, key)) : this.processOrdered(delivery, key);
          const p: Promise<void> = run.finally(() => {
            if (heartbeat) clearInterval(heartbeat);
            this.inflight.delete(p);
            if (key !== undefined && this.tails.get(key) === p) this.tails.delete(key);
          });
          if (key !== undefined) this.tails.set(key, p);
          this.inflight.add(p);
          while (this.inflight.size >= this.concurrency) await Promise.race(this.inflight);
        }
        if (!this.stopping) this.opts.logger.warn(this.logFields, 'consumer subscription ended; reopening');
      } catch (err) {
        next = undefined;
        this.opts.logger.error({ ...this.logFields, err }, 'consumer subscription failed; reopening');
      }
      if (!this.stopping) await this.sleep(REOPEN_DELAY_MS);
    }
    await Promise.allSettled([...this.inflight]);
  }

  /** Waits `ms` unless stop() comes first; true when the whole wait passed. */
  private pause(ms: number): Promise<boolean> {
    const signal = this.stopController.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (passed: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(passed);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(true), ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private orderKeyOf(evt: IncomingEvent): string | undefined {
    if (!this.opts.orderKey) return undefined;
    try {
      return this.opts.orderKey(evt);
    } catch {
      return undefined;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Calls `working()` every `heartbeatMs` until cleared (undefined when heartbeats are off). */
  private startHeartbeat(d: Delivery): ReturnType<typeof setInterval> | undefined {
    const hbMs = this.opts.heartbeatMs ?? 0;
    if (hbMs <= 0) return undefined;
    const heartbeat = setInterval(() => this.safely('working', () => d.working()), hbMs);
    heartbeat.unref();
    return heartbeat;
  }

  /**
   * A message with an order key: processed, unless another message of its key was nak'd and is
   * not back yet — then it is nak'd too, unprocessed, to come back just after that one (each
   * later one a little later still), so a retried event is not overtaken by the ones after it.
   */
  private async processOrdered(d: Delivery, key: string): Promise<void> {
    const naked = this.nakedKey(key);
    const id = this.messageKey(d.event);
    if (!naked || (naked.head !== undefined && naked.head === id)) return this.process(d, key);
    if (naked.head === undefined && naked.followers[0] === id) {
      // The head was handled: the followers go through one by one, in the order they were nak'd.
      naked.followers.shift();
      naked.touched = Date.now();
      if (naked.followers.length === 0) this.nakedKeys.delete(key);
      return this.process(d, key);
    }
    let position = naked.followers.indexOf(id);
    if (position < 0 || id === undefined) position = naked.followers.push(id) - 1;
    naked.touched = Date.now();
    const delayMs = Math.max(0, naked.until - Date.now()) + ORDERED_NAK_STEP_MS * (position + 1);
    this.opts.logger.warn({ ...this.logFields, ...this.eventFields(d.event), delayMs }, 'message nak unprocessed: an earlier message of its order key was nak\'d');
    this.safely('nak', () => d.nak(delayMs));
  }

  /** The key's marker, unless it is long overdue (its head or a follower went elsewhere; see {@link nakedKeys}). */
  private nakedKey(key: string): NakedKey | undefined {
    const naked = this.nakedKeys.get(key);
    if (naked && Date.now() > Math.max(naked.until, naked.touched) + ORDERED_NAK_STEP_MS * naked.followers.length + NAKED_KEY_GRACE_MS) {
      this.nakedKeys.delete(key);
      return undefined;
    }
    return naked;
  }

  /** Identifies a message across its redeliveries: stream + sequence (else its msgID). */
  private messageKey(evt: IncomingEvent): string | undefined {
    return this.failureKey(evt) ?? evt.msgID;
  }

  private async process(d: Delivery, key?: string): Promise<void> {
    const evt = d.event;
    const { span, ctx } = startProcessSpan(evt, this.opts.system, this.opts.spec.durable);
    try {
      await otelContext.with(ctx, async () => {
        let decision = await this.decide(evt, span);
        let retried = evt.deliveryCount > 1;
        // Ordered: a transient failure is retried here, the message kept alive (heartbeat) and the
        // key's later messages waiting behind it, instead of nak'd and overtaken by them
        // (a customer told "work started" before "ticket received" after a short outage).
        for (let attempt = 1; key !== undefined && decision.kind === 'nak' && decision.transient && !this.stopping; attempt++) {
          this.transientStreak.failure(
            'warn',
            { ...this.logFields, ...this.eventFields(evt), delayMs: decision.delayMs, attempt, reason: decision.reason },
            'transient failure of an ordered message: retrying it in place; the later messages of its key wait',
          );
          if (!(await this.pause(decision.delayMs))) break;
          retried = true;
          decision = await this.decide({ ...evt, deliveryCount: evt.deliveryCount + attempt }, span);
        }
        if (key !== undefined) {
          const id = this.messageKey(evt);
          const marker = this.nakedKeys.get(key);
          if (decision.kind === 'nak') {
            // It (again) heads the key; those already nak'd behind it keep their order.
            const now = Date.now();
            this.nakedKeys.set(key, { head: id, until: now + decision.delayMs, followers: marker ? marker.followers.filter((f) => f !== id) : [], touched: now });
          } else if (marker && marker.head !== undefined && marker.head === id) {
            // Handled: the followers now go through in their order.
            marker.head = undefined;
            marker.until = Date.now();
            marker.touched = marker.until;
            if (marker.followers.length === 0) this.nakedKeys.delete(key);
          }
        }
        await this.settle(d, decision, span, retried);
      });
    } catch (err) {
      this.opts.logger.error({ ...this.logFields, ...this.eventFields(evt), err }, 'settling a message failed');
    } finally {
      span.end();
    }
  }

  private async decide(evt: IncomingEvent, span: Span): Promise<Decision> {
    const n = evt.deliveryCount;
    try {
      const outcome = await this.opts.handler(evt);
      if (!outcome || outcome.kind === 'ack') return { kind: 'ack' };
      if (outcome.kind === 'term') return { kind: 'dead_letter', cause: 'handler_term', reason: outcome.reason };
      const delayMs = Math.max(0, outcome.delayMs);
      if (outcome.transient === true) return { kind: 'nak', delayMs, reason: outcome.reason, transient: true };
      return this.failed(evt, `nak: ${outcome.reason ?? 'no reason'}`, delayMs);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      span.recordException(err instanceof Error ? err : new Error(message));
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      if (isPermanentError(err)) return { kind: 'dead_letter', cause: 'poison', reason: message };
      const delayMs = retryDelayMs(n, this.opts.spec, this.opts.random);
      if (isTransientError(err)) return { kind: 'nak', delayMs, reason: message, transient: true };
      return this.failed(evt, message, delayMs);
    }
  }

  /** A non-transient failure: counts it; nak with `delayMs`, or dead letter once the budget is used up. */
  private failed(evt: IncomingEvent, message: string, delayMs: number): Decision {
    const max = this.maxDeliver;
    const key = this.failureKey(evt);
    // Without a stream sequence (never the case on either bus) the delivery count is all there is.
    const count = key === undefined ? evt.deliveryCount : this.countFailure(key);
    if (count >= max) {
      return {
        kind: 'dead_letter',
        cause: 'max_deliver',
        reason: `failed ${count} times (max ${max}), last on delivery ${evt.deliveryCount}: ${message}`,
      };
    }
    return { kind: 'nak', delayMs, reason: message, transient: false };
  }

  private failureKey(evt: IncomingEvent): string | undefined {
    return evt.seq === undefined ? undefined : `${evt.stream ?? this.opts.spec.stream}\u0000${evt.seq}`;
  }

  private countFailure(key: string): number {
    const count = (this.failures.get(key) ?? 0) + 1;
    this.failures.delete(key); // re-insert: most recent last
    this.failures.set(key, count);
    if (this.failures.size > FAILURE_MEMORY) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    return count;
  }

  /** The message is done here (acked, or terminated after its dead letter was recorded). */
  private forget(evt: IncomingEvent): void {
    if (this.failures.size === 0) return; // the usual case: no key built on the ack path
    const key = this.failureKey(evt);
    if (key !== undefined) this.failures.delete(key);
  }

  /** `retried`: the message failed before (redelivered, or retried in place): its ack ends a transient streak. */
  private async settle(d: Delivery, decision: Decision, span: Span, retried: boolean): Promise<void> {
    const evt = d.event;
    const fields = { ...this.logFields, ...this.eventFields(evt) };
    span.setAttribute('notify.messaging.outcome', decision.kind);
    switch (decision.kind) {
      case 'ack':
        // Only a message that had failed ends the outage: in a partial one (some events need the
        // service that is down, others not) the others' acks would flap "recovered" / warn.
        if (retried) this.transientStreak.success(this.logFields);
        this.forget(evt);
        this.safely('ack', () => d.ack());
        return;
      case 'nak':
        span.setAttribute('notify.messaging.nak_delay_ms', decision.delayMs);
        span.setAttribute('notify.messaging.transient', decision.transient);
        if (decision.transient) {
          this.transientStreak.failure('warn', { ...fields, delayMs: decision.delayMs, transient: true, reason: decision.reason }, 'message nak (transient failure); will be redelivered');
        } else {
          this.opts.logger.warn({ ...fields, delayMs: decision.delayMs, transient: false, reason: decision.reason }, 'message nak; will be redelivered');
        }
        this.safely('nak', () => d.nak(decision.delayMs));
        return;
      case 'dead_letter': {
        const reason = oneLine(decision.reason);
        span.setAttribute('notify.messaging.dead_letter_cause', decision.cause);
        try {
          await this.deadLetter.record(evt, reason, {
            stream: this.opts.spec.stream,
            durable: this.opts.spec.durable,
            cause: decision.cause,
          });
        } catch (err) {
          const delayMs = retryDelayMs(evt.deliveryCount, this.opts.spec, this.opts.random);
          this.opts.logger.error({ ...fields, err, delayMs }, 'recording the dead letter failed; message nak for a later try');
          span.setAttribute('notify.messaging.outcome', 'nak');
          this.safely('nak', () => d.nak(delayMs));
          return;
        }
        this.opts.logger.warn({ ...fields, cause: decision.cause, reason }, 'message dead-lettered and terminated');
        this.forget(evt);
        this.safely('term', () => d.term(reason));
        return;
      }
    }
  }

  private eventFields(evt: IncomingEvent) {
    return { subject: evt.subject, msgID: evt.msgID, seq: evt.seq, deliveryCount: evt.deliveryCount };
  }

  private safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.logger.error({ ...this.logFields, err }, `message ${what} failed`);
    }
  }
}
