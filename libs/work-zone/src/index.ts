export * from './work-zone';
