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
import { ConsumerRunner, DEFAULT_ACK_WAIT_MS, type Delivery, type DeliverySource } from './consumer-runner';
import { withPublishSpan } from './messaging-tracing';
import { PublishFailedError } from './publish-failed.error';
import { subjectMatches, subjectsOverlap } from './subject-match';

export interface InProcessBusOptions {
  logger?: MessagingLogger;
  /**
   * Messages kept per stream; the oldest are discarded beyond it (JetStream `max_msgs` with
   * discard old). Default 10 000, so a long-running embedded process does not grow without bound.
   */
  maxMessagesPerStream?: number;
}

interface StoredMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
  headers: Record<string, string>;
  msgID: string;
  at: number;
  /** Payload + header bytes (what `maxMsgSize` and `maxBytes` measure here). */
  size: number;
}

interface StreamState {
  spec: StreamSpec;
  messages: StoredMessage[];
  /** Sum of `size` over `messages`. */
  bytes: number;
  lastSeq: number;
  /** msgID → stored seq and publish time, in insertion (= time) order. */
  dedupe: Map<string, { seq: number; at: number }>;
}

interface PendingEntry {
  msg: StoredMessage;
  deliveryCount: number;
  /** `delivered`: out to a handler until `deadline`; `waiting`: redeliverable from `dueAt`. */
  state: 'delivered' | 'waiting';
  dueAt: number;
  deadline: number;
  /** Identifies the current delivery; settlements of an older delivery are ignored (except ack). */
  token: number;
}

interface Waiter {
  deliver(d: Delivery): void;
  cancel(): void;
}

interface DurableState {
  stream: string;
  durable: string;
  filters: string[];
  ackWaitMs: number;
  /** Next stream sequence not yet delivered for the first time. */
  nextSeq: number;
  pending: Map<number, PendingEntry>;
  waiters: Waiter[];
  timer?: NodeJS.Timeout;
}

/** Bytes of the headers as NATS sends them (`name: value\r\n` each), for the size limits. */
function headerBytes(headers: Record<string, string>): number {
  let n = 0;
  for (const [k, v] of Object.entries(headers)) n += Buffer.byteLength(k) + Buffer.byteLength(v) + 4;
  return n;
}

/**
 * `EventBus` inside one process, with JetStream's semantics: streams capture subjects
 * (overlaps refused), `msgID` dedupe inside the duplicate window, durable consumers that start
 * at the first stored message and deliver each message on their filter once (instances on
 * the same durable share the work), explicit ack, nak with delay, term, ack-wait redelivery,
 * no server-side delivery limit, and the same `ConsumerRunner` as the JetStream bus (transient
 * failures retried without limit, `maxDeliver` non-transient failures, dead letters). Stream
 * limits: `maxAgeMs`, `maxBytes` (payload + headers, discard old), `maxMsgSize` (a larger
 * publish is rejected) and `maxMessagesPerStream`.
 *
 * SINGLE PROCESS ONLY: nothing is persisted and other processes see nothing; callers should
 * log that clearly at start-up (the embedded mode, ARCHITECTURE.md "Running it").
 */
export class InProcessEventBus implements EventBus {
  private readonly streams = new Map<string, StreamState>();
  private readonly durables = new Map<string, DurableState>();
  private readonly handles = new Set<ConsumerHandle>();
  private readonly logger: MessagingLogger;
  private readonly maxMessages: number;
  private tokens = 0;
  private closed = false;

  constructor(opts: InProcessBusOptions = {}) {
    this.logger = opts.logger ?? silentLogger;
    this.maxMessages = opts.maxMessagesPerStream ?? 10_000;
  }

  async ensureStreams(streams: StreamSpec[]): Promise<void> {
    for (const spec of streams) {
      for (const [name, other] of this.streams) {
        if (name === spec.name) continue;
        for (const a of spec.subjects) {
          for (const b of other.spec.subjects) {
            if (subjectsOverlap(a, b)) throw new Error(`stream ${spec.name}: subject ${a} overlaps ${b} of stream ${name}`);
          }
        }
      }
      const existing = this.streams.get(spec.name);
      if (existing) existing.spec = { ...spec };
      else this.streams.set(spec.name, { spec: { ...spec }, messages: [], bytes: 0, lastSeq: 0, dedupe: new Map() });
      const stream = this.streams.get(spec.name)!;
      this.prune(stream, Date.now());
    }
  }

  /** Deletes streams and their durable consumers (test fixtures; missing names are ignored). */
  async deleteStreams(names: string[]): Promise<void> {
    for (const name of names) {
      this.streams.delete(name);
      for (const [key, d] of this.durables) {
        if (d.stream !== name) continue;
        if (d.timer) clearTimeout(d.timer);
        this.durables.delete(key);
      }
    }
  }

  /** Messages currently stored in a stream. */
  async streamMessageCount(name: string): Promise<number> {
    const s = this.streams.get(name);
    if (!s) throw new Error(`stream ${name} not found`);
    this.prune(s, Date.now());
    return s.messages.length;
  }

  async publish(evt: OutgoingEvent): Promise<PublishResult> {
    return withPublishSpan(evt, 'in_process', async (headers) => {
      if (this.closed) throw new PublishFailedError(evt.subject, 'the in-process bus is closed');
      const stream = [...this.streams.values()].find((s) => s.spec.subjects.some((p) => subjectMatches(p, evt.subject)));
      if (!stream) throw new PublishFailedError(evt.subject, 'no stream captures the subject');
      const now = Date.now();
      this.prune(stream, now);
      const seen = stream.dedupe.get(evt.msgID);
      if (seen) return { duplicate: true, seq: seen.seq };
      const stored = { ...headers, 'Nats-Msg-Id': evt.msgID };
      const size = evt.data.byteLength + headerBytes(stored);
      const maxMsgSize = stream.spec.maxMsgSize;
      if (maxMsgSize !== undefined && maxMsgSize >= 0 && size > maxMsgSize) {
        throw new PublishFailedError(evt.subject, `message size exceeds maximum allowed (${size} > ${maxMsgSize} bytes)`);
      }
      const msg: StoredMessage = {
        seq: ++stream.lastSeq,
        subject: evt.subject,
        data: evt.data.slice(),
        headers: stored,
        msgID: evt.msgID,
        at: now,
        size,
      };
      stream.messages.push(msg);
      stream.bytes += size;
      stream.dedupe.set(evt.msgID, { seq: msg.seq, at: now });
      this.prune(stream, now);
      for (const d of this.durables.values()) if (d.stream === stream.spec.name) this.pump(d);
      return { duplicate: false, seq: msg.seq };
    });
  }

  async consume(spec: ConsumerSpec, handler: EventHandler, opts: ConsumeOptions = {}): Promise<ConsumerHandle> {
    if (this.closed) throw new Error('the in-process bus is closed');
    const durable = this.ensureConsumer(spec);
    const ackWaitMs = spec.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    const runner = new ConsumerRunner({
      spec,
      handler,
      system: 'in_process',
      logger: this.logger,
      concurrency: opts.concurrency,
      ...(opts.orderKey ? { orderKey: opts.orderKey } : {}),
      deadLetter: opts.deadLetter,
      heartbeatMs: Math.max(50, Math.floor(ackWaitMs / 2)),
      openSource: async () => this.openSource(durable),
    });
    await runner.start();
    const handle: ConsumerHandle = {
      stop: async () => {
        await runner.stop();
        this.handles.delete(handle);
      },
    };
    this.handles.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    await Promise.all([...this.handles].map((h) => h.stop()));
    this.closed = true;
    for (const d of this.durables.values()) if (d.timer) clearTimeout(d.timer);
  }

  private ensureConsumer(spec: ConsumerSpec): DurableState {
    if (!this.streams.has(spec.stream)) throw new Error(`stream ${spec.stream} not found`);
    const key = `${spec.stream}\u0000${spec.durable}`;
    const filters = spec.filterSubjects ?? [];
    const ackWaitMs = spec.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
    const existing = this.durables.get(key);
    if (existing) {
      existing.filters = filters;
      existing.ackWaitMs = ackWaitMs;
      return existing;
    }
    const created: DurableState = {
      stream: spec.stream,
      durable: spec.durable,
      filters,
      ackWaitMs,
      nextSeq: 1,
      pending: new Map(),
      waiters: [],
    };
    this.durables.set(key, created);
    return created;
  }

  private prune(stream: StreamState, now: number): void {
    const windowMs = stream.spec.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
    for (const [id, seen] of stream.dedupe) {
      if (now - seen.at < windowMs) break;
      stream.dedupe.delete(id);
    }
    // Discard old: by age, by count, by bytes (JetStream max_age, max_msgs, max_bytes).
    const msgs = stream.messages;
    const maxAgeMs = stream.spec.maxAgeMs ?? 0;
    const maxBytes = stream.spec.maxBytes;
    let drop = 0;
    let bytes = stream.bytes;
    const over = () =>
      (maxAgeMs > 0 && now - msgs[drop].at >= maxAgeMs) ||
      msgs.length - drop > this.maxMessages ||
      (maxBytes !== undefined && maxBytes >= 0 && bytes > maxBytes);
    while (drop < msgs.length && over()) bytes -= msgs[drop++].size;
    if (drop > 0) {
      msgs.splice(0, drop);
      stream.bytes = bytes;
    }
  }

  private openSource(d: DurableState): DeliverySource {
    let closed = false;
    let waiter: Waiter | undefined;
    const next = (): Promise<IteratorResult<Delivery>> => {
      if (closed || this.closed) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => {
        const w: Waiter = {
          deliver: (delivery) => {
            waiter = undefined;
            resolve({ done: false, value: delivery });
          },
          cancel: () => {
            waiter = undefined;
            resolve({ done: true, value: undefined });
          },
        };
        waiter = w;
        d.waiters.push(w);
        this.pump(d);
      });
    };
    const close = () => {
      closed = true;
      if (waiter) {
        const w = waiter;
        d.waiters = d.waiters.filter((x) => x !== w);
        w.cancel();
      }
    };
    return {
      close,
      [Symbol.asyncIterator]: () => ({
        next,
        return: async () => {
          close();
          return { done: true, value: undefined };
        },
      }),
    };
  }

  /** Hands available messages to waiting subscribers, then arms the timer for the next due one. */
  private pump(d: DurableState): void {
    const now = Date.now();
    for (const entry of d.pending.values()) {
      if (entry.state === 'delivered' && entry.deadline <= now) {
        entry.state = 'waiting';
        entry.dueAt = now;
      }
    }
    while (d.waiters.length > 0) {
      const entry = this.nextCandidate(d, now);
      if (!entry) break;
      entry.deliveryCount++;
      entry.state = 'delivered';
      entry.deadline = now + d.ackWaitMs;
      entry.token = ++this.tokens;
      const waiter = d.waiters.shift()!;
      waiter.deliver(this.toDelivery(d, entry));
    }
    this.arm(d);
  }

  private nextCandidate(d: DurableState, now: number): PendingEntry | undefined {
    let best: PendingEntry | undefined;
    for (const entry of d.pending.values()) {
      if (entry.state === 'waiting' && entry.dueAt <= now && (!best || entry.msg.seq < best.msg.seq)) best = entry;
    }
    if (best) return best;
    const stream = this.streams.get(d.stream);
    if (!stream) return undefined;
    const msgs = stream.messages;
    if (msgs.length === 0) return undefined;
    for (let i = Math.max(0, d.nextSeq - msgs[0].seq); i < msgs.length; i++) {
      const msg = msgs[i];
      d.nextSeq = msg.seq + 1;
      if (d.filters.length > 0 && !d.filters.some((f) => subjectMatches(f, msg.subject))) continue;
      const entry: PendingEntry = { msg, deliveryCount: 0, state: 'waiting', dueAt: now, deadline: 0, token: 0 };
      d.pending.set(msg.seq, entry);
      return entry;
    }
    return undefined;
  }

  private arm(d: DurableState): void {
    if (d.timer) clearTimeout(d.timer);
    d.timer = undefined;
    if (this.closed) return;
    let at = Infinity;
    for (const entry of d.pending.values()) at = Math.min(at, entry.state === 'waiting' ? entry.dueAt : entry.deadline);
    if (at === Infinity) return;
    d.timer = setTimeout(() => this.pump(d), Math.max(0, at - Date.now()));
    d.timer.unref();
  }

  private toDelivery(d: DurableState, entry: PendingEntry): Delivery {
    const token = entry.token;
    const current = () => d.pending.get(entry.msg.seq) === entry && entry.token === token && entry.state === 'delivered';
    const event: IncomingEvent = {
      subject: entry.msg.subject,
      data: entry.msg.data,
      msgID: entry.msg.msgID,
      headers: { ...entry.msg.headers },
      deliveryCount: entry.deliveryCount,
      stream: d.stream,
      seq: entry.msg.seq,
    };
    return {
      event,
      ack: () => {
        if (d.pending.get(entry.msg.seq) === entry) d.pending.delete(entry.msg.seq);
        this.arm(d);
      },
      nak: (delayMs) => {
        if (!current()) return;
        entry.state = 'waiting';
        entry.dueAt = Date.now() + Math.max(0, delayMs);
        this.pump(d);
      },
      term: () => {
        if (!current()) return;
        d.pending.delete(entry.msg.seq);
        this.arm(d);
      },
      working: () => {
        if (current()) entry.deadline = Date.now() + d.ackWaitMs;
      },
    };
  }
}

/**
 * A single-process `EventBus` (the embedded mode when `NATS_URL` is unset). Same interface and
 * consumer semantics as `connectJetStreamBus`; events live in memory and never leave the process.
 */
export function createInProcessBus(opts: InProcessBusOptions = {}): InProcessEventBus {
  return new InProcessEventBus(opts);
}
