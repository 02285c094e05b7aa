export { createTemplateServiceHandler } from './template-service.handler';
export * from './template.proto-mapper';
export { paginate, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './paging';
