export * from './job-definition';
export * from './job-run';
