export * from './clock.port';
export * from './id-generator.port';
export * from './job-handler.port';
export * from './job-queue.port';
export * from './job-run-repository.port';
