// Loaded first by main.ts: OpenTelemetry must patch grpc, http, pg and pino before they
// are required anywhere else.
import { startTelemetry } from '@notify/telemetry';
import { loadSchedulerConfig } from './config';

const config = loadSchedulerConfig();

/** The process's telemetry (flushed on shutdown). */
export const telemetry = startTelemetry({
  serviceName: config.OTEL_SERVICE_NAME,
  otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
});
