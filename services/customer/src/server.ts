import type { DataSource } from 'typeorm';
import type { OutboxRelay } from '@notify/db';
import type { RunningGrpcServer } from '@notify/grpc-kit';
import type { Logger } from '@notify/logger';
import type { EventBus } from '@notify/messaging';
import { openServiceRuntime, serveGrpc } from '@notify/service-runtime';
import { seedDefaultRoutingRules, systemClock, uuidGenerator, type Clock } from './application';
import type { CustomerConfig } from './config';
import { createCustomerStore, customerEntities, customerMigrations } from './infrastructure/persistence';
import { createCustomerServiceHandler } from './transport/grpc/customer-service.handler';

/** A running customer service. */
export interface RunningCustomerService {
  readonly grpc: RunningGrpcServer;
  readonly dataSource: DataSource;
  readonly bus: EventBus;
  readonly relay: OutboxRelay;
  /**
   * Ordered stop: health NOT_SERVING → gRPC shutdown (grace SHUTDOWN_GRACE_MS, ms) → outbox
   * relay stop → DataSource destroy → bus close (unless the bus came from overrides.bus).
   * The customer service has no consumers.
   */
  stop(): Promise<void>;
}

/** Test seams of {@link startCustomerService}. */
export interface CustomerServiceOverrides {
  readonly clock?: Clock;
  /** A bus shared with other services of the process (embedded mode); not closed on stop. */
  readonly bus?: EventBus;
}

/**
 * Composition root of the customer service:
 * 1. (openServiceRuntime) DataSource on DATABASE_URL / DATABASE_SCHEMA (throws naming
 *    DATABASE_URL when unset) and the migrations (platform outbox / dead letters / processed
 *    events + the directory tables);
 * 2. the routing-rule seed (missing default rules only; edits are never overwritten);
 * 3. the event bus: overrides.bus, else JetStream when NATS_URL is set, else the in-process
 *    bus (single process only); the streams of `eventStreams(NATS_NAMESPACE)`;
 * 4. the outbox relay publishing `<schema>.outbox`
 *    (`notify.customer.v1.{registered,activated,preferences_updated,opted_out,invoice_status_changed}`);
 * 5. the gRPC server for `notify.customer.v1.CustomerService` (roles from RPC_ROLES, API keys,
 *    health: '' liveness, the service name readiness on Postgres + NATS; reflection) on GRPC_HOST:GRPC_PORT.
 * Errors of any step close what was opened and propagate (nothing is served then).
 */
export async function startCustomerService(
  config: CustomerConfig,
  logger: Logger,
  overrides: CustomerServiceOverrides = {},
): Promise<RunningCustomerService> {
  const runtime = await openServiceRuntime({
    service: 'customer',
    config,
    logger,
    entities: customerEntities,
    migrations: customerMigrations,
    ...(overrides.bus ? { bus: overrides.bus } : {}),
  });
  const { dataSource, bus } = runtime;
  try {
    const store = createCustomerStore(dataSource, config.NATS_NAMESPACE, { rulesCache: { ttlMs: config.ROUTING_RULES_CACHE_TTL_MS } });
    const seeded = await seedDefaultRoutingRules(store.rules);
    if (seeded > 0) logger.info({ seeded }, 'default routing rules seeded');

    const handler = createCustomerServiceHandler({ store, clock: overrides.clock ?? systemClock, ids: uuidGenerator });
    const grpc = await serveGrpc('customer', handler, config, logger, { readiness: runtime.readiness });

    let stopping: Promise<void> | undefined;
    const stop = async (): Promise<void> => {
      grpc.setServing(false);
      await grpc.shutdown(config.SHUTDOWN_GRACE_MS);
      await runtime.close();
    };
    return { grpc, dataSource, bus, relay: runtime.relay!, stop: () => (stopping ??= stop()) };
  } catch (err) {
    await runtime.close();
    throw err;
  }
}
