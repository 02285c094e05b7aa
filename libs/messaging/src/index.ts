// @notify/messaging barrel: the EventBus contract, its JetStream and in-process
// implementations, the consumer runner's settlement rules and dead-letter sinks.
export * from './event-bus';
export { PoisonMessageError, isPermanentError } from './poison-message.error';
export { isTransientError } from './transient-error';
export { PublishFailedError } from './publish-failed.error';
export { DEFAULT_RETRY_POLICY, retryDelayMs } from './retry-backoff';
export { subjectMatches, subjectsOverlap } from './subject-match';
export { DEFAULT_ACK_WAIT_MS, DEFAULT_CONCURRENCY, DEFAULT_MAX_DELIVER } from './consumer-runner';
export {
  DEAD_LETTER_HEADERS,
  DEFAULT_DEAD_LETTER_PREFIX,
  DEFAULT_DEAD_LETTER_STREAM,
  EventBusDeadLetterSink,
  InMemoryDeadLetterSink,
  LoggingDeadLetterSink,
  deadLetterStreamSpec,
  type DeadLetterRecord,
} from './dead-letter-sinks';
export { MESSAGING_TRACER_NAME } from './messaging-tracing';
export { JetStreamEventBus, NatsUnreachableError, connectJetStreamBus, redactNatsUrl, type JetStreamBusOptions } from './jetstream-bus';
export { DeferredJetStreamBus, type DeferredJetStreamBusOptions } from './deferred-jetstream-bus';
export { InProcessEventBus, createInProcessBus, type InProcessBusOptions } from './in-process-bus';
