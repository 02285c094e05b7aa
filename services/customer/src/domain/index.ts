// Customer domain: pure types and rules (no I/O, no TypeORM / NATS / gRPC).
export * from './phone';
export * from './calendar.util';
export * from './channel';
export * from './notification-type';
export * from './customer.aggregate';
export * from './staff';
export * from './whatsapp-group';
export * from './preferences';
export * from './opt-out';
export * from './invoice';
export * from './routing';
export * from './default-routing-rules';
export * from './explicit-audience';
