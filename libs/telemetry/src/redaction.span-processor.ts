import type { Context } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { REDACTED, redactText, sensitiveKind } from './redaction';

type SpanProcessor = tracing.SpanProcessor;
type Span = tracing.Span;
type ReadableSpan = tracing.ReadableSpan;
type Attrs = Record<string, unknown>;

function redactAttributes(attrs: Attrs | undefined): void {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (sensitiveKind(k)) attrs[k] = REDACTED;
    else if (typeof v === 'string') attrs[k] = redactText(v);
    else if (Array.isArray(v)) attrs[k] = v.map((x) => (typeof x === 'string' ? redactText(x) : x));
  }
}

/**
 * Span processor that applies the redaction rules (redaction.ts) to every span before it is
 * exported, whoever set the attribute (instrumentations included: `url.full` with a
 * `?token=`, a phone number in an exception message, a `http.request.header.authorization`).
 * Runs in `onEnding` (the span is still writable; SDK 2.x) on attributes, event attributes
 * and the status message. Put it FIRST among the span processors.
 */
export class RedactionSpanProcessor implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  onEnding(span: Span): void {
    const writable = span as unknown as { attributes: Attrs; events: { attributes?: Attrs }[]; status: { message?: string } };
    redactAttributes(writable.attributes);
    for (const event of writable.events) redactAttributes(event.attributes);
    if (writable.status?.message) writable.status.message = redactText(writable.status.message);
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
