export * from './ports';
export * from './job-runner';
export * from './placeholder-job-handlers';
export * from './use-cases/manage-jobs.use-case';
