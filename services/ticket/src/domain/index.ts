// Ticket domain: pure types and rules (no I/O, no TypeORM / NATS / gRPC).
export * from './ticket.types';
export * from './ticket.events';
export * from './ticket.aggregate';
export * from './sla.policy';
export * from './ticket-number.policy';
export * from './ticket-stats.calculator';
export * from './calendar.util';
