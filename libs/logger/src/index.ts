// @notify/logger: pino JSON with service/version, trace ids and redaction.
export * from './create-logger';
// The phone mask lives with the other redaction rules in @notify/telemetry (one place for
// logs and spans); re-exported here for callers that only log.
export { maskPhone, redactText, REDACTED } from '@notify/telemetry';
export * from './failure-streak';
