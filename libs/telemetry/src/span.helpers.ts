import {
  SpanStatusCode,
  context as otelContext,
  trace,
  type AttributeValue,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanKind,
} from '@opentelemetry/api';
import { REDACTED, redactText, sensitiveKind } from './redaction';

/** Name of the tracer Notify's own spans come from. */
export const TRACER_NAME = '@notify/telemetry';

/** Prefix of Notify's custom span attributes (STYLE.md: custom attributes prefixed `notify.`). */
export const ATTR_PREFIX = 'notify.';

/**
 * Common `notify.*` attribute names (snake_case after the prefix, matching proto field
 * names). Phone-valued attributes are masked by the redaction rules before export.
 */
export const NotifyAttr = {
  TICKET_ID: 'notify.ticket_id',
  TICKET_NUMBER: 'notify.ticket_number',
  CUSTOMER_ID: 'notify.customer_id',
  STAFF_ID: 'notify.staff_id',
  EVENT_ID: 'notify.event_id',
  EVENT_TYPE: 'notify.event_type',
  NOTIFICATION_TYPE: 'notify.notification_type',
  DELIVERY_ID: 'notify.delivery_id',
  CHANNEL: 'notify.channel',
  PROVIDER: 'notify.provider',
  RECIPIENT: 'notify.recipient',
  ATTEMPT: 'notify.attempt',
  TEMPLATE_KEY: 'notify.template_key',
  JOB_NAME: 'notify.job_name',
  CAMPAIGN_ID: 'notify.campaign_id',
} as const;

/** Attributes as callers pass them: `undefined` values are dropped. */
export type SpanAttrs = Record<string, AttributeValue | undefined>;

const sanitizeValue = (key: string, value: AttributeValue): AttributeValue => {
  if (sensitiveKind(key)) return REDACTED;
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? redactText(v) : v)) as AttributeValue;
  return value;
};

/**
 * Normalizes attributes for a span: keys without a dot get the `notify.` prefix
 * (`ticket_id` → `notify.ticket_id`); dotted keys (`notify.x`, semantic conventions such as
 * `messaging.destination.name`) are kept; `undefined` values dropped; values redacted
 * (phones masked, secrets and message bodies replaced: see redaction.ts).
 */
export function spanAttributes(attrs: SpanAttrs): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    const key = k.includes('.') ? k : `${ATTR_PREFIX}${k}`;
    out[key] = sanitizeValue(key, v);
  }
  return out;
}

/**
 * Marks `span` failed: records the exception (type, redacted message and stack) and sets
 * status ERROR with the redacted message. Non-Error values are recorded as their string form.
 */
export function recordSpanError(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException({ name: err.name, message: redactText(err.message), stack: err.stack ? redactText(err.stack) : undefined });
  span.setStatus({ code: SpanStatusCode.ERROR, message: redactText(err.message) });
}

/** Options of {@link withSpan}. */
export interface WithSpanOptions {
  kind?: SpanKind;
  links?: Link[];
  /** Parent context (default: the active one), e.g. from `extractTraceContext(headers)`. */
  parent?: Context;
}

/**
 * Runs `fn` inside a new active span named `name` (child of `options.parent` or the active
 * context) with {@link spanAttributes}(`attrs`), and ends the span when `fn` settles. If `fn`
 * throws or rejects, the exception is recorded, the status set to ERROR and the error
 * rethrown unchanged. Returns what `fn` returns (always as a Promise). The attributes are
 * normalized and redacted only for a recording span (set right after it starts, so samplers do
 * not see them): a process that exports nothing skips that work on every span.
 */
export async function withSpan<T>(
  name: string,
  attrs: SpanAttrs,
  fn: (span: Span) => T | Promise<T>,
  options: WithSpanOptions = {},
): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  const parent = options.parent ?? otelContext.active();
  return tracer.startActiveSpan(name, { kind: options.kind, links: options.links }, parent, async (span) => {
    if (span.isRecording()) span.setAttributes(spanAttributes(attrs));
    try {
      return await fn(span);
    } catch (error) {
      recordSpanError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Sets {@link spanAttributes}(`attrs`) on the active span, if there is one. */
export function setSpanAttributes(attrs: SpanAttrs): void {
  trace.getActiveSpan()?.setAttributes(spanAttributes(attrs));
}

/** `{ trace_id, span_id }` of the active span, or `undefined` outside any valid span. */
export function activeTraceIds(ctx: Context = otelContext.active()): { trace_id: string; span_id: string } | undefined {
  const sc = trace.getSpanContext(ctx);
  if (!sc || !trace.isSpanContextValid(sc)) return undefined;
  return { trace_id: sc.traceId, span_id: sc.spanId };
}
