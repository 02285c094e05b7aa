import type { DataSource } from 'typeorm';
import { UnavailableError } from '@notify/errors';
import { createClient, type RunningGrpcServer } from '@notify/grpc-kit';
import type { Logger } from '@notify/logger';
import type { EventBus } from '@notify/messaging';
import { customerv1, templatev1, ticketv1 } from '@notify/proto';
import { openServiceRuntime, serveGrpc } from '@notify/service-runtime';
import {
  DailySummaryJob,
  JobRunner,
  ManageCampaignsUseCase,
  ManageJobsUseCase,
  PaymentReminderJob,
  SlaMonitorJob,
  WeeklyPerformanceJob,
  systemClock,
  uuidGenerator,
  type Clock,
  type CustomerDirectory,
  type JobHandlers,
  type TemplateCatalog,
  type TicketDirectory,
} from './application';
import type { SchedulerConfig } from './config';
import { GrpcCustomerDirectory } from './infrastructure/clients/grpc-customer.directory';
import { GrpcTemplateCatalog } from './infrastructure/clients/grpc-template.catalog';
import { GrpcTicketDirectory } from './infrastructure/clients/grpc-ticket.directory';
import { cronParserSchedule } from './infrastructure/engine/cron-schedule';
import { PgBossJobEngine } from './infrastructure/engine/pg-boss-job-engine';
import { PostgresCampaignStore } from './infrastructure/persistence/campaign.store';
import { PostgresJobFactStore } from './infrastructure/persistence/job-fact.store';
import { PostgresJobRunRepository, PostgresJobStateRepository } from './infrastructure/persistence/job-run.repository';
import { schedulerMigrations } from './infrastructure/persistence/migrations';
import { createSchedulerServiceHandler } from './transport/grpc/scheduler-service.handler';

/** A running scheduler service. */
export interface RunningSchedulerService {
  readonly grpc: RunningGrpcServer;
  readonly dataSource: DataSource;
  readonly bus: EventBus;
  readonly engine: PgBossJobEngine;
  /**
   * Ordered stop (idempotent): health NOT_SERVING → job engine graceful stop (waits for active
   * runs, up to SHUTDOWN_GRACE_MS ms) → gRPC shutdown (grace SHUTDOWN_GRACE_MS) → outbox relay
   * stop → DataSource destroy → bus close (unless shared).
   */
  stop(): Promise<void>;
}

/** Test seams of {@link startSchedulerService}. */
export interface SchedulerServiceOverrides {
  /** The time source of the jobs, the job records and campaign validation (tests move it instead of sleeping). */
  readonly clock?: Clock;
  /** Replaces the job handlers (tests of the engine; default: the four real jobs). */
  readonly handlers?: JobHandlers;
  /** Worker polling interval, seconds (default 2). */
  readonly pollingIntervalSeconds?: number;
  /** A bus shared with other services of the process (embedded mode); not closed on stop. */
  readonly bus?: EventBus;
}

/**
 * Composition root of the scheduler service:
 * 1. (openServiceRuntime) DataSource on DATABASE_URL / DATABASE_SCHEMA and the migrations
 *    (platform outbox / dead letters / processed events, job runs and states, job facts,
 *    campaigns); the event bus (overrides.bus, else JetStream on NATS_URL, else in-process) with
 *    the streams of `eventStreams(NATS_NAMESPACE)`; the outbox relay publishing
 *    `notify.schedule.v1.*` from `<schema>.outbox` with msgID = event id;
 * 2. gRPC clients of the ticket (TICKET_ADDR), customer (CUSTOMER_ADDR) and template
 *    (TEMPLATE_ADDR) services with SERVICE_API_KEY (role service) and RPC_DEADLINE_MS deadlines;
 * 3. the pg-boss job engine in schema `<DATABASE_SCHEMA>_boss`: the four jobs' WIB crons (one
 *    run per tick across replicas) running SlaMonitorJob, PaymentReminderJob, DailySummaryJob,
 *    WeeklyPerformanceJob, and the campaign due queue running ManageCampaignsUseCase.dispatchDue;
 *    at start it catches up each job's latest tick missed within SCHEDULER_CATCHUP_WINDOW_MS
 *    (evaluated on the system clock, as pg-boss's cron is, not on overrides.clock);
 * 4. `notify.scheduler.v1.SchedulerService` on GRPC_HOST:GRPC_PORT (roles from RPC_ROLES).
 * Throws (after closing what it opened) when DATABASE_URL is unset or Postgres / NATS cannot be reached.
 */
export async function startSchedulerService(
  config: SchedulerConfig,
  logger: Logger,
  overrides: SchedulerServiceOverrides = {},
): Promise<RunningSchedulerService> {
  const ns = config.NATS_NAMESPACE;
  const runtime = await openServiceRuntime({
    service: 'scheduler',
    config,
    logger,
    entities: [],
    migrations: schedulerMigrations,
    ...(overrides.bus ? { bus: overrides.bus } : {}),
  });
  const { dataSource, bus } = runtime;
  try {
    const clock = overrides.clock ?? systemClock;
    const runs = new PostgresJobRunRepository(dataSource);
    const states = new PostgresJobStateRepository(dataSource);
    const facts = new PostgresJobFactStore(dataSource, ns || undefined);
    const { tickets, customers, templates } = downstream(config);
    const handlers: JobHandlers = overrides.handlers ?? {
      sla_monitor: new SlaMonitorJob({ tickets, facts, clock }),
      payment_reminder: new PaymentReminderJob({ customers, facts, clock }),
      daily_summary: new DailySummaryJob({ tickets, facts, clock }),
      weekly_performance: new WeeklyPerformanceJob({ tickets, customers, facts, clock }),
    };
    const runner = new JobRunner({ handlers, runs, states, clock, ids: uuidGenerator });
    const engine = new PgBossJobEngine({
      connectionString: config.DATABASE_URL!,
      dataSource,
      bossSchema: `${config.DATABASE_SCHEMA}_boss`,
      runner,
      logger,
      pollingIntervalSeconds: overrides.pollingIntervalSeconds,
      // Missed ticks (all replicas down at a tick) caught up at start; real time, like pg-boss's cron.
      catchUp: { windowMs: config.SCHEDULER_CATCHUP_WINDOW_MS, runs, states },
      onCampaignDue: async (id) => {
        const done = await campaigns.dispatchDue(id); // assigned below, before engine.start()
        if (!done) return;
        if (done.templateCheck === 'failed') {
          logger.warn({ campaign_id: id, reason: done.campaign.failureReason }, 'campaign due: FAILED, template does not render with its variables; nothing published');
          return;
        }
        if (done.templateCheck === 'skipped') logger.warn({ campaign_id: id, err: done.checkError }, 'campaign due: template not checked (template service unreachable); sent anyway');
        logger.info({ campaign_id: id }, 'campaign due: campaign_due published');
      },
    });
    const campaigns = new ManageCampaignsUseCase({ store: new PostgresCampaignStore(dataSource, engine, ns || undefined), templates, clock, ids: uuidGenerator });
    await engine.start();
    runtime.onClose(() => engine.stop(config.SHUTDOWN_GRACE_MS));

    const handler = createSchedulerServiceHandler({
      jobs: new ManageJobsUseCase({ runs, states, queue: engine, clock, cron: cronParserSchedule }),
      campaigns,
    });
    const grpc = await serveGrpc('scheduler', handler, config, logger, { readiness: runtime.readiness });

    let stopping: Promise<void> | undefined;
    const stop = async (): Promise<void> => {
      grpc.setServing(false);
      await engine.stop(config.SHUTDOWN_GRACE_MS);
      await grpc.shutdown(config.SHUTDOWN_GRACE_MS);
      await runtime.close();
    };
    return { grpc, dataSource, bus, engine, stop: () => (stopping ??= stop()) };
  } catch (err) {
    await runtime.close();
    throw err;
  }
}

/** The ticket, customer and template ports over gRPC; without SERVICE_API_KEY every call is UNAVAILABLE naming the variable. */
function downstream(config: SchedulerConfig): { tickets: TicketDirectory; customers: CustomerDirectory; templates: TemplateCatalog } {
  const apiKey = config.SERVICE_API_KEY;
  if (!apiKey) {
    const missing = (): Promise<never> =>
      Promise.reject(new UnavailableError('SERVICE_API_KEY is not set: the scheduler cannot call the ticket, customer and template services'));
    return {
      tickets: { listOpenTicketsDueBefore: missing, escalate: missing, stats: missing },
      customers: { listInvoicesDue: missing, listActiveTechnicianIds: missing },
      templates: { variants: missing, tryRender: missing },
    };
  }
  const options = { apiKey, deadlineMs: config.RPC_DEADLINE_MS, keyVariable: 'SERVICE_API_KEY' };
  return {
    tickets: new GrpcTicketDirectory(createClient(ticketv1.TicketServiceClient, config.TICKET_ADDR, options)),
    customers: new GrpcCustomerDirectory(createClient(customerv1.CustomerServiceClient, config.CUSTOMER_ADDR, options)),
    templates: new GrpcTemplateCatalog(createClient(templatev1.TemplateServiceClient, config.TEMPLATE_ADDR, options)),
  };
}
