import { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';
import { createDeadLetterRecorder, type HandedOffEvent, type OutboxRelay } from '@notify/db';
import { UnavailableError } from '@notify/errors';
import { createClient, type RunningGrpcServer } from '@notify/grpc-kit';
import type { Logger } from '@notify/logger';
import type { ConsumerHandle, EventBus } from '@notify/messaging';
import { customerv1 } from '@notify/proto';
import { openServiceRuntime, serveGrpc } from '@notify/service-runtime';
import {
  AssignTicketUseCase,
  CancelTicketUseCase,
  CompleteTicketUseCase,
  CreateTicketUseCase,
  EscalateTicketUseCase,
  GetTicketStatsUseCase,
  GetTicketUseCase,
  HandleCustomerRegisteredUseCase,
  ListTicketsUseCase,
  StartTicketUseCase,
  systemClock,
  uuidGenerator,
  type Clock,
  type CustomerDirectory,
  type StaffDirectory,
} from './application';
import type { TicketConfig } from './config';
import type { TicketEvent } from './domain';
import { ticketEntities } from './infrastructure/persistence/ticket.entities';
import { ticketMigrations } from './infrastructure/persistence/migrations';
import { PgTicketNumberSequence, PgTicketRepository } from './infrastructure/persistence/ticket.repository';
import { PgTicketWriter } from './infrastructure/persistence/ticket.writer';
import { PgTicketUnitOfWork } from './infrastructure/persistence/ticket.unit-of-work';
import { GrpcCustomerDirectory } from './infrastructure/customers/grpc-customer.directory';
import { GrpcStaffDirectory } from './infrastructure/staff/grpc-staff.directory';
import { createTicketServiceHandler, type TicketEventFeed } from './transport/grpc/ticket-service.handler';
import { consumeCustomerRegistered, customerRegisteredHandler } from './transport/messaging/customer-registered.consumer';

/** A running ticket service. */
export interface RunningTicketService {
  readonly grpc: RunningGrpcServer;
  readonly dataSource: DataSource;
  readonly bus: EventBus;
  readonly relay: OutboxRelay;
  /**
   * Ordered stop: health NOT_SERVING → drain the registration consumer → gRPC shutdown
   * (grace SHUTDOWN_GRACE_MS, ms) → outbox relay stop → DataSource destroy → bus close.
   */
  stop(): Promise<void>;
}

/** Test seams of {@link startTicketService}. */
export interface TicketServiceOverrides {
  /** Replaces the customer-service-backed staff directory (tests). */
  readonly staff?: StaffDirectory;
  /** Replaces the customer-service-backed customer directory (tests). */
  readonly customers?: CustomerDirectory;
  readonly clock?: Clock;
  /** A bus shared with other services of the process (embedded mode); not closed on stop. */
  readonly bus?: EventBus;
}

/**
 * Composition root of the ticket service:
 * 1. (openServiceRuntime) DataSource on DATABASE_URL / DATABASE_SCHEMA (throws naming
 *    DATABASE_URL when unset) and the migrations (platform outbox / dead letters / processed
 *    events + the ticket tables);
 * 2. the event bus: overrides.bus, else JetStream when NATS_URL is set, else the in-process bus (single process
 *    only); the streams of `eventStreams(NATS_NAMESPACE)`;
 * 3. the outbox relay publishing `<schema>.outbox` to the bus;
 * 4. the durable consumer `ticket-customer` of `notify.customer.v1.registered` → one PSB
 *    ticket per registration asking for installation (duplicates acked; poison and rejected
 *    registrations dead-lettered in `<schema>.dead_letters` and terminated);
 * 5. the gRPC server for `notify.ticket.v1.TicketService` (roles from RPC_ROLES, API keys,
 *    health: '' liveness, the service name readiness on Postgres + NATS; reflection) on GRPC_HOST:GRPC_PORT.
 * WatchTickets streams the events committed by THIS process (one replica; a multi-replica
 * feed would consume the ticket stream instead).
 */
export async function startTicketService(
  config: TicketConfig,
  logger: Logger,
  overrides: TicketServiceOverrides = {},
): Promise<RunningTicketService> {
  const ns = config.NATS_NAMESPACE;
  const schema = config.DATABASE_SCHEMA;
  const runtime = await openServiceRuntime({
    service: 'ticket',
    config,
    logger,
    entities: ticketEntities,
    migrations: ticketMigrations,
    ...(overrides.bus ? { bus: overrides.bus } : {}),
  });
  const { dataSource, bus } = runtime;
  try {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    const feed: TicketEventFeed = (listener) => {
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    };
    const clock = overrides.clock ?? systemClock;
    // Both writers feed WatchTickets with the events they committed.
    const writes = {
      schema,
      ...(ns ? { namespace: ns } : {}),
      onCommitted: (events: readonly TicketEvent[]) => events.forEach((e) => emitter.emit('event', e)),
    };
    const uow = new PgTicketUnitOfWork(dataSource, writes);
    // The lifecycle RPCs' reads and writes: concurrent ones share one statement (PgTicketWriter).
    const relay = runtime.relay;
    const writer = new PgTicketWriter(dataSource, {
      ...writes,
      ...(relay ? { handoff: (events: readonly HandedOffEvent[]) => relay.handoff(events) } : {}),
    });
    const tickets = new PgTicketRepository(dataSource.manager, schema);
    const numbers = new PgTicketNumberSequence(dataSource.manager, schema);
    const directories = customerServiceDirectories(config);
    const staff = overrides.staff ?? directories.staff;
    const customers = overrides.customers ?? directories.customers;
    const deps = { uow, writer, clock, ids: uuidGenerator };

    const registered = new HandleCustomerRegisteredUseCase(deps);
    const deadLetters = createDeadLetterRecorder(dataSource, { schema });
    const consumer: ConsumerHandle = await consumeCustomerRegistered(bus, customerRegisteredHandler(registered, logger), {
      ...(ns ? { ns } : {}),
      deadLetter: { record: async (evt, reason, origin) => void (await deadLetters.record(evt, reason, origin)) },
    });
    runtime.onClose(() => consumer.stop());

    const handler = createTicketServiceHandler(
      {
        create: new CreateTicketUseCase({ ...deps, numbers, customers }),
        get: new GetTicketUseCase({ tickets }),
        list: new ListTicketsUseCase({ tickets }),
        assign: new AssignTicketUseCase({ ...deps, staff }),
        start: new StartTicketUseCase(deps),
        complete: new CompleteTicketUseCase(deps),
        cancel: new CancelTicketUseCase(deps),
        escalate: new EscalateTicketUseCase(deps),
        stats: new GetTicketStatsUseCase({ tickets, clock }),
      },
      feed,
    );
    const grpc = await serveGrpc('ticket', handler, config, logger, { readiness: runtime.readiness });

    let stopping: Promise<void> | undefined;
    const stop = async (): Promise<void> => {
      grpc.setServing(false);
      await consumer.stop();
      await grpc.shutdown(config.SHUTDOWN_GRACE_MS);
      await runtime.close();
    };
    return { grpc, dataSource, bus, relay: runtime.relay!, stop: () => (stopping ??= stop()) };
  } catch (err) {
    await runtime.close();
    throw err;
  }
}

/**
 * The customer service's GetStaff and GetCustomer as the StaffDirectory and CustomerDirectory
 * (one client; UNAVAILABLE when SERVICE_API_KEY is unset).
 */
function customerServiceDirectories(config: TicketConfig): { staff: StaffDirectory; customers: CustomerDirectory } {
  const apiKey = config.SERVICE_API_KEY;
  if (!apiKey) {
    const unavailable = (what: string) => () =>
      Promise.reject(new UnavailableError(`${what}: SERVICE_API_KEY is not set, cannot call the customer service`));
    return { staff: { findStaff: unavailable('staff directory') }, customers: { exists: unavailable('customer directory') } };
  }
  const client = createClient(customerv1.CustomerServiceClient, config.CUSTOMER_ADDR, { apiKey, keyVariable: 'SERVICE_API_KEY' });
  const options = { ttlMs: config.DIRECTORY_CACHE_TTL_MS };
  return { staff: new GrpcStaffDirectory(client, options), customers: new GrpcCustomerDirectory(client, options) };
}
