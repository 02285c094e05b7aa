export * from './clock.port';
export * from './id-generator.port';
export * from './ticket-repository.port';
export * from './ticket-event-outbox.port';
export * from './processed-message-log.port';
export * from './unit-of-work.port';
export * from './ticket-number-sequence.port';
export * from './staff-directory.port';
