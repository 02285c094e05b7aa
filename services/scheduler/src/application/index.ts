export * from './ports';
export * from './job-runner';
export * from './jobs';
export * from './use-cases/manage-jobs.use-case';
export * from './use-cases/manage-campaigns.use-case';
