// Gateway domain (no I/O).
export * from './delivery';
export * from './quiet-hours';
export * from './send-policy';
export * from './send-outcome';
export * from './phone';
export * from './receipt-vocabulary';
export * from './zone';
