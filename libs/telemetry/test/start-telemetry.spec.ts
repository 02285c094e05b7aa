import { DiagLogLevel, trace } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { injectTraceHeaders, otlpTracesUrl, startTelemetry, withSpan } from '../src';

/** Keeps what it was given (InMemorySpanExporter forgets everything on shutdown). */
class CollectingExporter implements tracing.SpanExporter {
  private readonly spans: tracing.ReadableSpan[] = [];
  export(spans: tracing.ReadableSpan[], done: (r: { code: number }) => void): void {
    this.spans.push(...spans);
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
  getFinishedSpans(): tracing.ReadableSpan[] {
    return [...this.spans];
  }
}

describe('otlpTracesUrl', () => {
  it('appends /v1/traces to the base endpoint once', () => {
    expect(otlpTracesUrl('http://jaeger:4318')).toBe('http://jaeger:4318/v1/traces');
    expect(otlpTracesUrl('http://jaeger:4318/')).toBe('http://jaeger:4318/v1/traces');
    expect(otlpTracesUrl('http://c:4318/v1/traces')).toBe('http://c:4318/v1/traces');
  });
});

describe('startTelemetry', () => {
  it('registers W3C propagation and a batching exporter that shutdown() flushes; restartable', async () => {
    const exporter = new CollectingExporter();
    const telemetry = startTelemetry({ serviceName: 'unit-svc', serviceVersion: '1.2.3', exporter });
    expect(startTelemetry({ serviceName: 'unit-svc' })).toBe(telemetry);

    let headers: Record<string, string> = {};
    await withSpan('work', { ticket_id: 't-9' }, async () => {
      headers = injectTraceHeaders();
    });
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // Batched: nothing exported yet (default 5 s delay) ...
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await telemetry.shutdown();
    // ... shutdown flushed it.
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['work']);
    expect(spans[0]!.resource.attributes['service.name']).toBe('unit-svc');
    expect(spans[0]!.resource.attributes['service.version']).toBe('1.2.3');
    expect(headers.traceparent).toContain(spans[0]!.spanContext().traceId);
    await telemetry.shutdown();

    // Globals were unregistered: a new start works.
    // (ERROR: the SDK warns that the first, shut-down LoggerProvider is still the global one.)
    const again = startTelemetry({ serviceName: 'unit-svc-2', diagLevel: DiagLogLevel.ERROR });
    expect(again).not.toBe(telemetry);
    // No exporter and no processor read spans there: they get ids (logs' trace_id, traceparent
    // on the wire) but are not recorded.
    await withSpan('again', {}, async () => {
      expect(trace.getActiveSpan()?.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(trace.getActiveSpan()?.spanContext().traceId).not.toBe('0'.repeat(32));
      expect(trace.getActiveSpan()?.isRecording()).toBe(false);
      expect(injectTraceHeaders().traceparent).toContain(trace.getActiveSpan()!.spanContext().traceId);
    });
    await again.shutdown();
  });
});
