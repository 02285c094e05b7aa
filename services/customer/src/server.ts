import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations, startOutboxRelay, type OutboxRelay } from '@notify/db';
import { eventStreams } from '@notify/events';
import { bindService, startGrpcServer, type RunningGrpcServer } from '@notify/grpc-kit';
import type { Logger } from '@notify/logger';
import { connectJetStreamBus, createInProcessBus, type EventBus } from '@notify/messaging';
import { PROTO_ROOT, RPC_ROLES, SERVICE_CATALOG } from '@notify/proto';
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
   * relay stop → DataSource destroy → bus close. The customer service has no consumers.
   */
  stop(): Promise<void>;
}

/** Test seams of {@link startCustomerService}. */
export interface CustomerServiceOverrides {
  readonly clock?: Clock;
}

/**
 * Composition root of the customer service:
 * 1. DataSource on DATABASE_URL / DATABASE_SCHEMA (required for now: throws naming
 *    DATABASE_URL when unset), the migrations (platform outbox / dead letters / processed
 *    events + the directory tables) and the routing-rule seed (missing default rules only;
 *    edits are never overwritten);
 * 2. the event bus: JetStream when NATS_URL is set, else the in-process bus (single process
 *    only); the streams of `eventStreams(NATS_NAMESPACE)`;
 * 3. the outbox relay publishing `<schema>.outbox` (`notify.customer.v1.{registered,activated}`);
 * 4. the gRPC server for `notify.customer.v1.CustomerService` (roles from RPC_ROLES, API keys,
 *    health, reflection) on GRPC_HOST:GRPC_PORT.
 */
export async function startCustomerService(
  config: CustomerConfig,
  logger: Logger,
  overrides: CustomerServiceOverrides = {},
): Promise<RunningCustomerService> {
  if (!config.DATABASE_URL) {
    throw new Error('DATABASE_URL is required (postgres://user@host:5432/db); the embedded Postgres mode is not available yet');
  }
  const ns = config.NATS_NAMESPACE;
  const schema = config.DATABASE_SCHEMA;
  const dataSource = createDataSource({ url: config.DATABASE_URL, schema, entities: customerEntities, migrations: customerMigrations });
  const ran = await runMigrations(dataSource);
  if (ran.length > 0) logger.info({ migrations: ran, schema }, 'customer migrations applied');

  const cleanup: Array<() => Promise<unknown>> = [() => dataSource.destroy()];
  const undo = async (): Promise<void> => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  };
  try {
    const store = createCustomerStore(dataSource, ns);
    const seeded = await seedDefaultRoutingRules(store.rules);
    if (seeded > 0) logger.info({ seeded }, 'default routing rules seeded');

    let bus: EventBus;
    if (config.NATS_URL) {
      bus = await connectJetStreamBus({ url: config.NATS_URL.split(',').map((s) => s.trim()), name: 'customer', logger });
    } else {
      logger.warn({}, 'NATS_URL is not set: using the in-process event bus (single process only, events stay in this process)');
      bus = createInProcessBus({ logger });
    }
    cleanup.push(() => bus.close());
    await bus.ensureStreams(eventStreams(ns));

    const relay = await startOutboxRelay({ dataSource, schema, publisher: bus, logger });
    cleanup.push(() => relay.stop());

    const handler = createCustomerServiceHandler({ store, clock: overrides.clock ?? systemClock, ids: uuidGenerator });
    const entry = SERVICE_CATALOG.customer;
    const bound = bindService(entry.definition, handler, { roles: RPC_ROLES[entry.fullName as keyof typeof RPC_ROLES] });
    const grpc = await startGrpcServer({
      serviceName: 'customer',
      host: config.GRPC_HOST,
      port: config.GRPC_PORT,
      services: [bound],
      apiKeys: config.NOTIFY_API_KEYS,
      logger,
      tls: config.GRPC_TLS_CERT && config.GRPC_TLS_KEY ? { cert: readFileSync(config.GRPC_TLS_CERT), key: readFileSync(config.GRPC_TLS_KEY) } : undefined,
      protoFiles: [...entry.protoFiles],
      includeDirs: [PROTO_ROOT],
    });

    let stopping: Promise<void> | undefined;
    const stop = async (): Promise<void> => {
      grpc.setServing(false);
      await grpc.shutdown(config.SHUTDOWN_GRACE_MS);
      await relay.stop();
      await dataSource.destroy();
      await bus.close();
    };
    return { grpc, dataSource, bus, relay, stop: () => (stopping ??= stop()) };
  } catch (err) {
    await undo();
    throw err;
  }
}
