export * from './sla-monitor.job';
export * from './payment-reminder.job';
export * from './daily-summary.job';
export * from './weekly-performance.job';
