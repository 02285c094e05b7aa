import { readFileSync } from 'node:fs';
import { createDataSource, runMigrations } from '@notify/db';
import { bindService, startGrpcServer, type RunningGrpcServer } from '@notify/grpc-kit';
import type { Logger } from '@notify/logger';
import { PROTO_ROOT, RPC_ROLES, SERVICE_CATALOG } from '@notify/proto';
import type { DataSource } from 'typeorm';
import { createTemplateUseCases, type TemplateUseCases } from './application/template-service';
import type { TemplateConfig } from './config';
import { TypeOrmTemplateRepository, templateEntities, templateMigrations } from './infrastructure/persistence';
import { DEFAULT_TEMPLATES } from './seed/default-templates';
import { createTemplateServiceHandler } from './transport/grpc';

/** A running template service: its gRPC server, use cases, DataSource and an ordered stop. */
export interface RunningTemplateService {
  readonly grpc: RunningGrpcServer;
  /** The use cases the gRPC handler serves (in-process callers, benchmarks). */
  readonly useCases: TemplateUseCases;
  readonly dataSource: DataSource;
  /** Health NOT_SERVING → drain → tryShutdown (grace: SHUTDOWN_GRACE_MS, ms) → DataSource destroy. */
  stop(): Promise<void>;
}

/**
 * Composition root of the template service:
 * 1. DataSource on DATABASE_URL, schema DATABASE_SCHEMA (default `template`); runs the
 *    migrations (platform tables + template_heads/template_versions);
 * 2. seeds the default templates that do not exist yet (SeedDefaultTemplates; idempotent, an
 *    edited template is never overwritten);
 * 3. binds `notify.template.v1.TemplateService` (roles per RPC from RPC_ROLES) and starts the
 *    gRPC server with health, reflection and API-key auth on GRPC_HOST:GRPC_PORT.
 * The template service publishes and consumes no events, so it has no event bus or relay.
 * Throws Error naming DATABASE_URL when it is unset (the embedded PGlite mode comes later),
 * and the migration / seed errors (nothing is served then; the DataSource is closed).
 */
export async function startTemplateService(config: TemplateConfig, logger: Logger): Promise<RunningTemplateService> {
  if (!config.DATABASE_URL) {
    throw new Error('DATABASE_URL is required for the template service (postgres://user@host:5432/db)');
  }
  const dataSource = createDataSource({
    url: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    entities: templateEntities,
    migrations: templateMigrations,
  });
  let grpc: RunningGrpcServer;
  let useCases: TemplateUseCases;
  try {
    const ran = await runMigrations(dataSource);
    if (ran.length > 0) logger.info({ migrations: ran, schema: config.DATABASE_SCHEMA }, 'migrations applied');
    useCases = createTemplateUseCases(new TypeOrmTemplateRepository(dataSource));
    const seeded = await useCases.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
    logger.info({ created: seeded.created.length, skipped: seeded.skipped.length }, 'default templates seeded');

    const entry = SERVICE_CATALOG.template;
    const bound = bindService(entry.definition, createTemplateServiceHandler(useCases), {
      roles: RPC_ROLES[entry.fullName as keyof typeof RPC_ROLES],
    });
    grpc = await startGrpcServer({
      serviceName: 'template',
      host: config.GRPC_HOST,
      port: config.GRPC_PORT,
      services: [bound],
      apiKeys: config.NOTIFY_API_KEYS,
      logger,
      tls: config.GRPC_TLS_CERT && config.GRPC_TLS_KEY ? { cert: readFileSync(config.GRPC_TLS_CERT), key: readFileSync(config.GRPC_TLS_KEY) } : undefined,
      protoFiles: [...entry.protoFiles],
      includeDirs: [PROTO_ROOT],
    });
  } catch (err) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    throw err;
  }
  return {
    grpc,
    useCases,
    dataSource,
    stop: async () => {
      await grpc.shutdown(config.SHUTDOWN_GRACE_MS);
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
