import { DiagConsoleLogger, DiagLogLevel, context as otelContext, diag, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK, core, resources, tracing } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { RedactionSpanProcessor } from './redaction.span-processor';

/** Options of {@link startTelemetry}. */
export interface TelemetryOptions {
  /** `service.name`: the service's one name (`ticket`, …), from `OTEL_SERVICE_NAME` via config. */
  serviceName: string;
  /** `service.version`. */
  serviceVersion?: string;
  /**
   * Base URL of an OTLP/HTTP receiver (`OTEL_EXPORTER_OTLP_ENDPOINT`, e.g.
   * `http://jaeger:4318`): spans are batched to `<endpoint>/v1/traces`. A URL already ending
   * in `/v1/traces` is used as is. Unset: spans are created (trace ids for logs and
   * propagation) but not exported.
   */
  otlpEndpoint?: string;
  /** An extra exporter, behind a BatchSpanProcessor (flushed by `shutdown`). */
  exporter?: tracing.SpanExporter;
  /** Extra span processors (tests: a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessors?: tracing.SpanProcessor[];
  /** OTel's own diagnostics to stderr at this level and above (default WARN: export failures). */
  diagLevel?: DiagLogLevel;
}

/** Handle returned by {@link startTelemetry}. */
export interface Telemetry {
  /** Flushes pending spans (waits for the export; an export failure is reported on stderr, never thrown), stops the SDK and unregisters the global tracer provider, context manager and propagator. Idempotent. */
  shutdown(): Promise<void>;
}

/** gRPC methods not worth a span: health probes and reflection. */
const IGNORED_GRPC_METHODS = /^(check|watch|serverreflectioninfo)$/i;
/** HTTP paths not worth a span: probes and scrapes. */
const IGNORED_HTTP_PATHS = /^\/(healthz|readyz|livez|metrics)(\/|\?|$)/;

let current: { handle: Telemetry; serviceName: string } | undefined;

/** `<endpoint>/v1/traces` unless the endpoint already names the traces path. */
export function otlpTracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/**
 * Starts the OpenTelemetry NodeSDK for this process. Call it from the service's
 * `src/instrumentation.ts`, the FIRST import of `main.ts`, before `@grpc/grpc-js`, `pg`,
 * `http`, `undici`, `pino` are required: the instrumentations patch modules as they load
 * (build with tsc; bundled modules are not patched).
 *
 * Sets up: resource `service.name` / `service.version` (+ host/process/env detectors);
 * W3C trace-context + baggage propagators; AsyncLocalStorage context; instrumentations for
 * gRPC (health and reflection calls ignored), HTTP (probe/metrics paths ignored), undici
 * (fetch: provider calls), pg (only under a parent span, no query values), pino (log
 * correlation; OTLP log sending off: Jaeger takes traces only); the redaction span processor
 * first; OTLP/HTTP trace export when `otlpEndpoint` is given (without it, and without an
 * `exporter` or `spanProcessors`, spans keep their ids but are not recorded). No metrics or logs pipelines
 * (metrics are prom-client on `/metrics`), whatever `OTEL_*_EXPORTER` says.
 *
 * One SDK per process: a second call returns the first handle (and warns if the service
 * name differs), e.g. the embedded mode that runs all services in one process.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (current) {
    if (current.serviceName !== options.serviceName) {
      diag.warn(`startTelemetry: already started for "${current.serviceName}"; ignoring "${options.serviceName}"`);
    }
    return current.handle;
  }
  diag.setLogger(new DiagConsoleLogger(), { logLevel: options.diagLevel ?? DiagLogLevel.WARN, suppressOverrideMessage: true });

  const spanProcessors: tracing.SpanProcessor[] = [new RedactionSpanProcessor(), ...(options.spanProcessors ?? [])];
  if (options.exporter) spanProcessors.push(new tracing.BatchSpanProcessor(options.exporter));
  if (options.otlpEndpoint) {
    spanProcessors.push(new tracing.BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesUrl(options.otlpEndpoint) })));
  }

  // With no exporter and no extra processor nothing would ever read a recorded span: spans are
  // then not recorded at all (AlwaysOff). They still carry trace and span ids, so logs keep
  // their trace_id and traceparent still travels over gRPC and NATS; only the attribute
  // copying, redaction and span bookkeeping are saved (~10% of a service's CPU in bench/lifecycle).
  const recording = spanProcessors.length > 1;
  const sdk = new NodeSDK({
    ...(recording ? {} : { sampler: new tracing.AlwaysOffSampler() }),
    resource: resources.resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
    }),
    serviceName: options.serviceName,
    textMapPropagator: new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
    spanProcessors,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new GrpcInstrumentation({ ignoreGrpcMethods: [(name: string) => IGNORED_GRPC_METHODS.test(name.split('/').pop() ?? name)] }),
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => IGNORED_HTTP_PATHS.test(req.url ?? ''),
      }),
      new UndiciInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      new PinoInstrumentation({ disableLogSending: true }),
    ],
  });
  sdk.start();

  let stopping: Promise<void> | undefined;
  const handle: Telemetry = {
    shutdown: () => {
      stopping ??= sdk
        .shutdown()
        .catch((error: unknown) => {
          // The collector being down must not fail the service's shutdown.
          diag.error(`telemetry shutdown: spans not flushed: ${error instanceof Error ? error.message : String(error)}`);
        })
        .finally(() => {
          // Unregister the globals so a later startTelemetry (tests) can register again.
          trace.disable();
          otelContext.disable();
          propagation.disable();
          current = undefined;
        });
      return stopping;
    },
  };
  current = { handle, serviceName: options.serviceName };
  return handle;
}
