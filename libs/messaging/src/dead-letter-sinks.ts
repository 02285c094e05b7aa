import type {
  DeadLetterContext,
  DeadLetterSink,
  EventBus,
  IncomingEvent,
  MessagingLogger,
  StreamSpec,
} from './event-bus';

/** Header names on a republished dead letter. */
export const DEAD_LETTER_HEADERS = {
  reason: 'Notify-Dead-Letter-Reason',
  cause: 'Notify-Dead-Letter-Cause',
  durable: 'Notify-Dead-Letter-Consumer',
  stream: 'Notify-Original-Stream',
  subject: 'Notify-Original-Subject',
  seq: 'Notify-Original-Seq',
  msgID: 'Notify-Original-Msg-Id',
  deliveryCount: 'Notify-Delivery-Count',
} as const;

export const DEFAULT_DEAD_LETTER_STREAM = 'DEAD_LETTERS';
export const DEFAULT_DEAD_LETTER_PREFIX = 'deadletter';

/** One recorded dead letter (in memory). */
export interface DeadLetterRecord {
  event: IncomingEvent;
  reason: string;
  context: DeadLetterContext;
  at: Date;
}

/** Keeps dead letters in an array (tests, the embedded mode). */
export class InMemoryDeadLetterSink implements DeadLetterSink {
  readonly records: DeadLetterRecord[] = [];

  async record(event: IncomingEvent, reason: string, context: DeadLetterContext): Promise<void> {
    this.records.push({ event, reason, context, at: new Date() });
  }
}

/** The default when a consumer gets no sink: one error-level log line per dead letter (no payload). */
export class LoggingDeadLetterSink implements DeadLetterSink {
  constructor(private readonly logger: MessagingLogger) {}

  async record(evt: IncomingEvent, reason: string, context: DeadLetterContext): Promise<void> {
    this.logger.error(
      {
        ...context,
        subject: evt.subject,
        msgID: evt.msgID,
        seq: evt.seq,
        deliveryCount: evt.deliveryCount,
        reason,
      },
      'dead letter',
    );
  }
}

/**
 * The stream that keeps republished dead letters: subjects `<prefix>.>`, kept 30 days by
 * default. Declare it with `ensureStreams` before consuming with an `EventBusDeadLetterSink`.
 */
export function deadLetterStreamSpec(opts: { name?: string; subjectPrefix?: string; maxAgeMs?: number } = {}): StreamSpec {
  return {
    name: opts.name ?? DEFAULT_DEAD_LETTER_STREAM,
    subjects: [`${opts.subjectPrefix ?? DEFAULT_DEAD_LETTER_PREFIX}.>`],
    maxAgeMs: opts.maxAgeMs ?? 30 * 24 * 3_600_000,
  };
}

/**
 * Republishes a dead letter on the bus to `<subjectPrefix>.<original subject>` (default
 * prefix `deadletter`, captured by `deadLetterStreamSpec()`), with the original payload and
 * headers (trace headers included) plus the `DEAD_LETTER_HEADERS` describing why.
 * `msgID` = `deadletter:<durable>:<stream>:<seq>` (or the original msgID), so a retried
 * record is stored once. Works on either bus implementation.
 */
export class EventBusDeadLetterSink implements DeadLetterSink {
  private readonly prefix: string;

  constructor(
    private readonly bus: Pick<EventBus, 'publish'>,
    opts: { subjectPrefix?: string } = {},
  ) {
    this.prefix = opts.subjectPrefix ?? DEFAULT_DEAD_LETTER_PREFIX;
  }

  async record(evt: IncomingEvent, reason: string, context: DeadLetterContext): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(evt.headers)) if (k.toLowerCase() !== 'nats-msg-id') headers[k] = v;
    headers[DEAD_LETTER_HEADERS.reason] = reason.replace(/[\r\n]+/g, ' ');
    headers[DEAD_LETTER_HEADERS.cause] = context.cause;
    headers[DEAD_LETTER_HEADERS.durable] = context.durable;
    headers[DEAD_LETTER_HEADERS.stream] = context.stream;
    headers[DEAD_LETTER_HEADERS.subject] = evt.subject;
    headers[DEAD_LETTER_HEADERS.deliveryCount] = String(evt.deliveryCount);
    if (evt.seq !== undefined) headers[DEAD_LETTER_HEADERS.seq] = String(evt.seq);
    if (evt.msgID) headers[DEAD_LETTER_HEADERS.msgID] = evt.msgID;
    const id = evt.seq !== undefined ? `${context.stream}:${evt.seq}` : (evt.msgID ?? `${evt.subject}:${Date.now()}`);
    await this.bus.publish({
      subject: `${this.prefix}.${evt.subject}`,
      data: evt.data,
      msgID: `deadletter:${context.durable}:${id}`,
      headers,
    });
  }
}
