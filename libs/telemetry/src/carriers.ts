import { context as otelContext, propagation, type Context } from '@opentelemetry/api';

/**
 * W3C trace context in message headers (NATS, the outbox row, HTTP).
 *
 * `injectTraceHeaders()` returns `{ traceparent, tracestate? }` for the given (default: active)
 * context, using the globally registered propagator (W3C TraceContext + Baggage once
 * `startTelemetry` ran; with no SDK started, an empty object).
 */
export function injectTraceHeaders(ctx: Context = otelContext.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** Something that holds headers: a plain record, or an object with `get(name)` (NATS `MsgHdrs`). */
export type HeaderSource =
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | undefined | null };

/**
 * Extracts the remote trace context from headers (`traceparent` / `tracestate`) on top of
 * `base` (default: the active context). Unknown or missing headers give `base` unchanged.
 */
export function extractTraceContext(headers: HeaderSource | undefined, base: Context = otelContext.active()): Context {
  if (!headers) return base;
  const get = (name: string): string | undefined => {
    if (typeof (headers as { get?: unknown }).get === 'function') {
      const v = (headers as { get(name: string): string | undefined | null }).get(name);
      return v ? v : undefined;
    }
    const v = (headers as Record<string, string | string[] | undefined>)[name];
    return Array.isArray(v) ? v[0] : v;
  };
  return propagation.extract(base, headers, {
    get: (_carrier, key) => get(key),
    keys: () => ['traceparent', 'tracestate', 'baggage'],
  });
}
