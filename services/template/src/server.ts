import type { DataSource } from 'typeorm';
import type { RunningGrpcServer } from '@notify/grpc-kit';
import type { Logger } from '@notify/logger';
import { createInProcessBus, type EventBus } from '@notify/messaging';
import { openServiceRuntime, serveGrpc } from '@notify/service-runtime';
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
  /** Health NOT_SERVING → drain → tryShutdown (grace: SHUTDOWN_GRACE_MS, ms) → DataSource destroy. Idempotent. */
  stop(): Promise<void>;
}

/** Seams of {@link startTemplateService}. */
export interface TemplateServiceOverrides {
  /**
   * A bus shared with other services of the process (embedded mode); not closed on stop. The
   * template service publishes and consumes no events: the bus only carries the shared streams.
   */
  readonly bus?: EventBus;
}

/**
 * Composition root of the template service:
 * 1. (openServiceRuntime, no outbox relay) DataSource on DATABASE_URL, schema DATABASE_SCHEMA
 *    (default `template`); the migrations (platform tables + template_heads/template_versions);
 * 2. seeds the default templates that do not exist yet (SeedDefaultTemplates; idempotent, an
 *    edited template is never overwritten);
 * 3. binds `notify.template.v1.TemplateService` (roles per RPC from RPC_ROLES) and starts the
 *    gRPC server with health ('' liveness, the service name readiness on Postgres), reflection and
 *    API-key auth on GRPC_HOST:GRPC_PORT.
 * The template service publishes and consumes no events (no NATS config): without
 * overrides.bus it uses a private in-process bus that nothing publishes to.
 * Throws Error naming DATABASE_URL when it is unset, and the migration / seed errors (nothing
 * is served then; the DataSource is closed).
 */
export async function startTemplateService(
  config: TemplateConfig,
  logger: Logger,
  overrides: TemplateServiceOverrides = {},
): Promise<RunningTemplateService> {
  const ownBus = overrides.bus ? undefined : createInProcessBus({ logger });
  const runtime = await openServiceRuntime({
    service: 'template',
    config,
    logger,
    entities: templateEntities,
    migrations: templateMigrations,
    bus: overrides.bus ?? ownBus!,
    outboxRelay: false,
  }).catch(async (err: unknown) => {
    await ownBus?.close();
    throw err;
  });
  if (ownBus) runtime.onClose(() => ownBus.close());
  const { dataSource } = runtime;
  try {
    const useCases = createTemplateUseCases(new TypeOrmTemplateRepository(dataSource, { activeCacheTtlMs: config.TEMPLATE_CACHE_TTL_MS }));
    const seeded = await useCases.seedDefaultTemplates.execute(DEFAULT_TEMPLATES);
    logger.info({ created: seeded.created.length, upgraded: seeded.upgraded, skipped: seeded.skipped.length }, 'default templates seeded');

    const grpc = await serveGrpc('template', createTemplateServiceHandler(useCases), config, logger, { readiness: runtime.readiness });

    let stopping: Promise<void> | undefined;
    const stop = async (): Promise<void> => {
      grpc.setServing(false);
      await grpc.shutdown(config.SHUTDOWN_GRACE_MS);
      await runtime.close();
    };
    return { grpc, useCases, dataSource, stop: () => (stopping ??= stop()) };
  } catch (err) {
    await runtime.close();
    throw err;
  }
}
