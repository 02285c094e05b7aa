// Loaded first by start-embedded.ts (`npm start`): OpenTelemetry must patch grpc, http, pg,
// undici and pino before anything requires them, as each service's own src/instrumentation.ts
// does for its main.ts. One SDK for the one process (service name `notify`, or
// OTEL_SERVICE_NAME). With OTEL_EXPORTER_OTLP_ENDPOINT set (e.g. a local Jaeger,
// http://127.0.0.1:4318) the spans of every service are exported; without it spans are not
// recorded but still carry ids, so every delivery has a trace id (Delivery.trace_id) — also
// those started by a provider webhook (a technician's reply) or a scheduled job, which no
// caller's traceparent reaches.
import { startTelemetry } from '@notify/telemetry';

const endpoint = process.env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();

/** The process's telemetry (flushed by the stack's stop). */
export const telemetry = startTelemetry({
  serviceName: process.env['OTEL_SERVICE_NAME']?.trim() || 'notify',
  ...(endpoint ? { otlpEndpoint: endpoint } : {}),
});
