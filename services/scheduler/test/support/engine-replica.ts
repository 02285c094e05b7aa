import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from '@notify/db';
import { createLogger } from '@notify/logger';
import type { TestSchema } from '@notify/testing';
import { JobRunner, systemClock, uuidGenerator, type JobContext } from '../../src/application';
import type { JobName } from '../../src/domain';
import { PgBossJobEngine, type PgBossJobEngineOptions } from '../../src/infrastructure/engine/pg-boss-job-engine';
import { PostgresJobRunRepository, PostgresJobStateRepository } from '../../src/infrastructure/persistence/job-run.repository';
import { schedulerMigrations } from '../../src/infrastructure/persistence/migrations';
import { countingHandlers } from './counting-handlers';

/** One scheduler replica of the engine specs: its own DataSource and pg-boss instance on the shared schemas. */
export interface EngineReplica {
  readonly ds: DataSource;
  readonly runs: PostgresJobRunRepository;
  readonly states: PostgresJobStateRepository;
  readonly engine: PgBossJobEngine;
}

/**
 * Starts a replica on `db` (migrations, real Postgres repositories, the real JobRunner and
 * pg-boss engine in `<schema>_boss`, worker polling 0.5 s, retry delay 1 s) whose handlers are
 * the counting ones: each call appends the job name to `calls`, then runs `before` (throw to fail).
 * `engine` overrides engine options (jobs, cron intervals…); `catchUpWindowMs` turns on the
 * start-up catch-up of missed ticks with this window (ms) over the replica's repositories
 * (absent: no catch-up, so the specs counting handler calls see only the ticks they send).
 */
export async function startEngineReplica(
  db: TestSchema,
  calls: JobName[],
  before: (ctx: JobContext) => void = () => undefined,
  engine: Partial<Pick<PgBossJobEngineOptions, 'jobs' | 'cronMonitorIntervalSeconds' | 'cronWorkerIntervalSeconds'>> & { readonly catchUpWindowMs?: number } = {},
): Promise<EngineReplica> {
  const { catchUpWindowMs, ...options } = engine;
  const ds = createDataSource({ url: db.url, schema: db.schema, migrations: schedulerMigrations, poolSize: 3 });
  await runMigrations(ds);
  const runs = new PostgresJobRunRepository(ds);
  const states = new PostgresJobStateRepository(ds);
  const runner = new JobRunner({ handlers: countingHandlers(calls, before), runs, states, clock: systemClock, ids: uuidGenerator });
  const replica = new PgBossJobEngine({
    connectionString: db.url,
    dataSource: ds,
    bossSchema: `${db.schema}_boss`,
    runner,
    logger: createLogger({ service: 'scheduler-test', level: 'silent' }),
    pollingIntervalSeconds: 0.5,
    retryDelaySeconds: 1,
    ...options,
    ...(catchUpWindowMs !== undefined ? { catchUp: { windowMs: catchUpWindowMs, runs, states } } : {}),
  });
  await replica.start();
  return { ds, runs, states, engine: replica };
}

/** Stops the replicas (graceful, idempotent), closes their DataSources, drops `<schema>_boss` and `<schema>`. */
export async function dropReplicas(db: TestSchema | undefined, replicas: ReadonlyArray<EngineReplica | undefined>): Promise<void> {
  await Promise.allSettled(replicas.map((r) => r?.engine.stop(2000)));
  await Promise.allSettled(replicas.map((r) => r?.ds.destroy()));
  if (!db) return;
  const ds = createDataSource({ url: db.url, schema: db.schema });
  await ds.initialize();
  try {
    await ds.query(`DROP SCHEMA IF EXISTS "${db.schema}_boss" CASCADE`);
  } finally {
    await ds.destroy();
  }
  await db.dropSchema();
}
