export * from './job-definition';
export * from './job-run';
export * from './wib-calendar';
export * from './sla-policy';
export * from './performance-ranking';
export * from './campaign';
