// Loaded first by main.ts: OpenTelemetry must patch grpc, http, pg and pino before they
// are required anywhere else.
import { loadConfigOrExit } from '@notify/config';
import { startTelemetry } from '@notify/telemetry';
import { loadTicketConfig } from './config';

// A wrong environment: the variables to fix on stderr, exit 1, no stack trace.
const config = loadConfigOrExit('ticket', () => loadTicketConfig());

/** The process's telemetry (flushed on shutdown). */
export const telemetry = startTelemetry({
  serviceName: config.OTEL_SERVICE_NAME,
  otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
});
