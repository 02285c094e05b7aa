import {
  context as otelContext,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { extractTraceContext, injectTraceHeaders } from '@notify/telemetry';
import type { IncomingEvent, OutgoingEvent } from './event-bus';

/** Instrumentation scope name of the spans this library creates. */
export const MESSAGING_TRACER_NAME = '@notify/messaging';

const TRACE_HEADERS = ['traceparent', 'tracestate'];

function tracer() {
  return trace.getTracer(MESSAGING_TRACER_NAME);
}

/**
 * Runs `send(headers)` inside a PRODUCER span `publish <subject>` (OTel messaging semantic
 * conventions, `messaging.system=nats`). The parent is the `traceparent` in `evt.headers`
 * when present, else the active context; the headers handed to `send` carry the producer
 * span's `traceparent` / `tracestate` (and every other given header unchanged).
 */
export async function withPublishSpan<T extends { duplicate: boolean; seq?: number }>(
  evt: OutgoingEvent,
  system: string,
  send: (headers: Record<string, string>) => Promise<T>,
): Promise<T> {
  const given = evt.headers ?? {};
  const parent = given.traceparent ? extractTraceContext(given, ROOT_CONTEXT) : otelContext.active();
  const span = tracer().startSpan(
    `publish ${evt.subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': system,
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'publish',
        'messaging.destination.name': evt.subject,
        'messaging.message.id': evt.msgID,
        'messaging.message.body.size': evt.data.byteLength,
      },
    },
    parent,
  );
  const spanCtx = trace.setSpan(parent, span);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) if (!TRACE_HEADERS.includes(k.toLowerCase())) headers[k] = v;
  Object.assign(headers, injectTraceHeaders(spanCtx));
  // Without a registered propagator nothing is injected: keep the caller's trace headers.
  if (!headers.traceparent) for (const k of TRACE_HEADERS) if (given[k]) headers[k] = given[k];
  try {
    const result = await otelContext.with(spanCtx, () => send(headers));
    span.setAttribute('notify.messaging.duplicate', result.duplicate);
    if (result.seq !== undefined) span.setAttribute('notify.messaging.stream_seq', result.seq);
    return result;
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * Starts the CONSUMER span `process <subject>` as a child of the trace context carried in the
 * event's headers (a new root when there is none). The caller runs the handler inside the
 * returned context and ends the span.
 */
export function startProcessSpan(
  evt: IncomingEvent,
  system: string,
  durable: string,
): { span: Span; ctx: Context } {
  const parent = extractTraceContext(evt.headers, ROOT_CONTEXT);
  const attributes: Attributes = {
    'messaging.system': system,
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': evt.subject,
    'messaging.consumer.group.name': durable,
    'messaging.message.body.size': evt.data.byteLength,
    'notify.messaging.delivery_count': evt.deliveryCount,
  };
  if (evt.msgID) attributes['messaging.message.id'] = evt.msgID;
  if (evt.stream) attributes['notify.messaging.stream'] = evt.stream;
  if (evt.seq !== undefined) attributes['notify.messaging.stream_seq'] = evt.seq;
  const span = tracer().startSpan(`process ${evt.subject}`, { kind: SpanKind.CONSUMER, attributes }, parent);
  return { span, ctx: trace.setSpan(parent, span) };
}
