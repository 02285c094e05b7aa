// Customer application layer: use cases over ports (no I/O here).
export * from './ports';
export * from './principal';
export * from './use-cases';
