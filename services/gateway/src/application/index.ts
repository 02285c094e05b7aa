// Gateway application layer: use cases and ports.
export * from './ports';
export * from './ingest-notification.use-case';
export * from './dispatcher';
export * from './expedite-on-recovery';
export * from './handle-receipt.use-case';
export * from './retry-until-done';
export * from './receipt-reconciler';
export * from './supersede-deliveries.use-case';
export * from './apply-preferences.use-case';
export * from './withdraw-opted-out.use-case';
export * from './withdraw-paid-reminders.use-case';
