import { context as otelContext, propagation, trace } from '@opentelemetry/api';
import { core, node, tracing } from '@opentelemetry/sdk-node';
import { RedactionSpanProcessor } from './redaction.span-processor';

/** What {@link createTestTracing} returns. */
export interface TestTracing {
  /** Receives every ended span (after redaction), synchronously. */
  readonly exporter: tracing.InMemorySpanExporter;
  readonly provider: node.NodeTracerProvider;
  /** Ended spans so far, in end order. */
  spans(): tracing.ReadableSpan[];
  /** The ended spans named `name`. */
  spansNamed(name: string): tracing.ReadableSpan[];
  /** Forgets the spans ended so far. */
  reset(): void;
  /** Shuts the provider down and unregisters the global tracer provider, context manager and propagator. */
  shutdown(): Promise<void>;
}

/**
 * In-memory tracing for tests (no export, no instrumentation patching): registers a global
 * NodeTracerProvider (AsyncLocalStorage context manager, W3C trace-context + baggage
 * propagators) whose spans go through the same redaction as production and then
 * synchronously into an InMemorySpanExporter. Jest gives each test file its own globals, so
 * call it once per file (`beforeAll`) and `shutdown()` in `afterAll`; calling it again after
 * `shutdown()` works.
 */
export function createTestTracing(): TestTracing {
  const exporter = new tracing.InMemorySpanExporter();
  const provider = new node.NodeTracerProvider({
    spanProcessors: [new RedactionSpanProcessor(), new tracing.SimpleSpanProcessor(exporter)],
  });
  trace.disable();
  otelContext.disable();
  propagation.disable();
  provider.register({
    propagator: new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  });
  return {
    exporter,
    provider,
    spans: () => exporter.getFinishedSpans(),
    spansNamed: (name) => exporter.getFinishedSpans().filter((s) => s.name === name),
    reset: () => exporter.reset(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      otelContext.disable();
      propagation.disable();
    },
  };
}
