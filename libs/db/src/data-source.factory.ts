import { DataSource, MigrationExecutor, type DataSourceOptions, type Migration } from 'typeorm';
import { setPreparedStatements } from './prepared-query';
import { assertSchemaName } from './schema-name';

type PostgresOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

/** Options of {@link createDataSource}. */
export interface CreateDataSourceOptions {
  /** `postgres://user:pass@host:port/db` (from the service's config, `DATABASE_URL`). */
  url: string;
  /** The service's own schema (ticket, customer, template, scheduler, gateway; tests: a unique name). */
  schema: string;
  /** Entity classes or `EntitySchema`s; their tables default to `schema`. */
  entities?: PostgresOptions['entities'];
  /** Migration classes (`<timestamp>-<Name>.ts`, class name ending in the 13-digit timestamp). */
  migrations?: PostgresOptions['migrations'];
  /** TypeORM logging (default off; the pg instrumentation already traces every query). */
  logging?: PostgresOptions['logging'];
  /** Maximum connections in the pool (pg default 10). */
  poolSize?: number;
  /** `application_name` shown in `pg_stat_activity` (default `notify-<schema>`). */
  applicationName?: string;
  /** Milliseconds to wait for a new connection before failing (default 10 000 ms). */
  connectTimeoutMs?: number;
  /**
   * Run the hot statements as named prepared statements (`preparedQuery`; default true). Off
   * where one Postgres session is shared by several client connections: the embedded PGlite,
   * PgBouncer in transaction pooling mode (`DATABASE_PREPARED_STATEMENTS=false`).
   */
  preparedStatements?: boolean;
}

/**
 * A TypeORM `DataSource` for Postgres bound to one service schema: entities and the
 * migrations table (`<schema>.migrations`) live in `schema`, `synchronize` is off (the schema
 * only changes through reviewed migrations, STYLE.md), migrations are not run implicitly.
 * The returned DataSource is NOT initialized: call `ds.initialize()` or {@link runMigrations}.
 * Throws `TypeError` for an invalid schema name.
 */
export function createDataSource(options: CreateDataSourceOptions): DataSource {
  const schema = assertSchemaName(options.schema);
  const ds = new DataSource({
    type: 'postgres',
    url: options.url,
    schema,
    entities: options.entities ?? [],
    migrations: options.migrations ?? [],
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    logging: options.logging ?? false,
    poolSize: options.poolSize,
    applicationName: options.applicationName ?? `notify-${schema}`,
    connectTimeoutMS: options.connectTimeoutMs ?? 10_000,
    // TypeORM would otherwise try to CREATE EXTENSION for uuid columns; ids are generated in
    // the application (event ids) or with the built-in gen_random_uuid() (Postgres >= 13).
    installExtensions: false,
  });
  setPreparedStatements(ds, options.preparedStatements ?? true);
  return ds;
}

/** The schema a DataSource created by {@link createDataSource} is bound to. */
export function dataSourceSchema(ds: DataSource): string {
  const schema = (ds.options as PostgresOptions).schema;
  if (!schema) throw new TypeError('DataSource has no schema: create it with createDataSource({ schema })');
  return assertSchemaName(schema);
}

/**
 * Brings the service schema up to date: initializes `ds` if needed, then, holding a
 * Postgres advisory lock keyed by the schema name (so replicas starting together run the
 * migrations once, one after the other), creates the schema if missing and runs the pending
 * migrations in one transaction. Returns the names of the migrations it ran (empty when up to
 * date). Errors from Postgres or a failing migration propagate; nothing is applied then.
 */
export async function runMigrations(ds: DataSource): Promise<string[]> {
  const schema = dataSourceSchema(ds);
  if (!ds.isInitialized) await ds.initialize();
  const queryRunner = ds.createQueryRunner();
  const lockKey = `notify.migrations.${schema}`;
  try {
    await queryRunner.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      const executor = new MigrationExecutor(ds, queryRunner);
      executor.transaction = 'all';
      const done: Migration[] = await executor.executePendingMigrations();
      return done.map((m) => m.name);
    } finally {
      await queryRunner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    }
  } finally {
    await queryRunner.release();
  }
}
