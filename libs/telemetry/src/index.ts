// @notify/telemetry: OpenTelemetry start-up, W3C trace context in message headers, span
// helpers, the redaction rules shared with @notify/logger, and in-memory tracing for tests.
export * from './carriers';
export * from './redaction';
export * from './span.helpers';
export * from './redaction.span-processor';
export * from './start-telemetry';
export * from './test-tracing';
