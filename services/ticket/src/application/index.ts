// Ticket application layer: use cases over ports (no I/O here).
export * from './ports';
export * from './principal';
export * from './ticket-access.policy';
export * from './ticket-transition.runner';
export * from './use-cases';
