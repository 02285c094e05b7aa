import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from '@notify/db';
import { bindService, startGrpcServer, type RunningGrpcServer } from '@notify/grpc-kit';
import type { Logger } from '@notify/logger';
import { PROTO_ROOT, RPC_ROLES, SERVICE_CATALOG } from '@notify/proto';
import { JobRunner, ManageJobsUseCase, placeholderJobHandlers, systemClock, uuidGenerator, type Clock, type JobHandlers } from './application';
import type { SchedulerConfig } from './config';
import { PgBossJobEngine } from './infrastructure/engine/pg-boss-job-engine';
import { PostgresJobRunRepository, PostgresJobStateRepository } from './infrastructure/persistence/job-run.repository';
import { schedulerMigrations } from './infrastructure/persistence/migrations';
import { createSchedulerServiceHandler } from './transport/grpc/scheduler-service.handler';

/** A running scheduler service. */
export interface RunningSchedulerService {
  readonly grpc: RunningGrpcServer;
  readonly dataSource: DataSource;
  readonly engine: PgBossJobEngine;
  /**
   * Ordered stop (idempotent): health NOT_SERVING → job engine graceful stop (waits for active
   * runs, up to SHUTDOWN_GRACE_MS ms) → gRPC shutdown (grace SHUTDOWN_GRACE_MS, ms) → DataSource destroy.
   */
  stop(): Promise<void>;
}

/** Test seams of {@link startSchedulerService}. */
export interface SchedulerServiceOverrides {
  readonly clock?: Clock;
  /** Job handlers (default: the placeholders that record 0 items — TODO issue 6). */
  readonly handlers?: JobHandlers;
  /** Worker polling interval, seconds (default 2). */
  readonly pollingIntervalSeconds?: number;
}

/**
 * Composition root of the scheduler service:
 * 1. DataSource on DATABASE_URL / DATABASE_SCHEMA (required for now: throws naming
 *    DATABASE_URL when unset) and the migrations (platform tables, job_runs, job_states);
 * 2. the pg-boss job engine in schema `<DATABASE_SCHEMA>_boss` (cron schedules in
 *    Asia/Jakarta, workers running the job handlers — placeholders for now, TODO issue 6);
 * 3. `notify.scheduler.v1.SchedulerService` on GRPC_HOST:GRPC_PORT with the job RPCs
 *    (ListJobs, TriggerJob, ListJobRuns, PauseJob, ResumeJob); the campaign RPCs answer
 *    UNIMPLEMENTED. Roles per RPC from RPC_ROLES.
 * NATS is not used yet (the handlers that publish schedule events are later work).
 */
export async function startSchedulerService(
  config: SchedulerConfig,
  logger: Logger,
  overrides: SchedulerServiceOverrides = {},
): Promise<RunningSchedulerService> {
  if (!config.DATABASE_URL) {
    throw new Error('DATABASE_URL is required (postgres://user@host:5432/db); the embedded Postgres mode is not available yet');
  }
  const schema = config.DATABASE_SCHEMA;
  const dataSource = createDataSource({ url: config.DATABASE_URL, schema, migrations: schedulerMigrations });
  const ran = await runMigrations(dataSource);
  if (ran.length > 0) logger.info({ migrations: ran, schema }, 'scheduler migrations applied');

  const cleanup: Array<() => Promise<unknown>> = [() => dataSource.destroy()];
  const undo = async (): Promise<void> => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  };
  try {
    const clock = overrides.clock ?? systemClock;
    const runs = new PostgresJobRunRepository(dataSource);
    const states = new PostgresJobStateRepository(dataSource);
    const runner = new JobRunner({ handlers: overrides.handlers ?? placeholderJobHandlers, runs, states, clock, ids: uuidGenerator });
    const engine = new PgBossJobEngine({
      connectionString: config.DATABASE_URL,
      bossSchema: `${schema}_boss`,
      runner,
      logger,
      pollingIntervalSeconds: overrides.pollingIntervalSeconds,
    });
    await engine.start();
    cleanup.push(() => engine.stop(config.SHUTDOWN_GRACE_MS));

    const handler = createSchedulerServiceHandler({ jobs: new ManageJobsUseCase({ runs, states, queue: engine, clock }) });
    const entry = SERVICE_CATALOG.scheduler;
    const bound = bindService(entry.definition, handler, { roles: RPC_ROLES[entry.fullName as keyof typeof RPC_ROLES] });
    const grpc = await startGrpcServer({
      serviceName: 'scheduler',
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
      await engine.stop(config.SHUTDOWN_GRACE_MS);
      await grpc.shutdown(config.SHUTDOWN_GRACE_MS);
      await dataSource.destroy();
    };
    return { grpc, dataSource, engine, stop: () => (stopping ??= stop()) };
  } catch (err) {
    await undo();
    throw err;
  }
}
