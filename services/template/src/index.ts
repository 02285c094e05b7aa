// @notify/template: domain and application layers of the template service.
// Persistence (TypeORM, src/infrastructure/persistence) and transport (gRPC,
// src/transport/grpc) are wired in src/server.ts; they are not exported from here.
export * from './domain/template-ref';
export * from './domain/template-variables';
export * from './domain/template-version';
export * from './domain/sms-encoding';
export * from './domain/message-formatting';
export * from './domain/value-escaping';
export * from './application/ports/template.repository';
export * from './application/ports/clock';
export * from './application/in-memory-template.repository';
export * from './application/rendering/lru-cache';
export { MESSAGE_FILTERS, RENDER_LIMIT_MS, RENDER_MEMORY_LIMIT } from './application/rendering/liquid-engine';
export * from './application/rendering/template-renderer';
export * from './application/template-lookup';
export * from './application/upsert-template.use-case';
export * from './application/get-template.use-case';
export * from './application/list-templates.use-case';
export * from './application/list-template-versions.use-case';
export * from './application/activate-template-version.use-case';
export * from './application/render-template.use-case';
export * from './application/batch-render-templates.use-case';
export * from './application/preview-template.use-case';
export * from './application/seed-default-templates.use-case';
export * from './application/template-service';
export { DEFAULT_TEMPLATES } from './seed/default-templates';
export type { DefaultTemplate, SeedFidelity, SeedSource } from './seed/default-template';
