import { createHash } from 'node:crypto';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import type { Pool, PoolClient, QueryResult } from 'pg';
import { managerQuery, type SqlResult } from './sql-source';

/**
 * Named prepared statements for the hot statements of the services.
 *
 * Postgres parses and plans an unnamed statement (what `pg` sends for `query(text, values)`)
 * every time; for the data-modifying CTEs of the outbox, the ticket and the delivery pages that
 * planning cost as much as the execution (pg_stat_statements on a second Postgres cluster during
 * the lifecycle benchmark, 2026-12-06; `npm run bench` does not print it: 364 µs of planning
 * against 600 µs of execution for a page insert). A named statement
 * is parsed once per connection, and after five executions Postgres may keep one generic plan
 * (`plan_cache_mode = auto`).
 *
 * Named statements live in the Postgres session: behind something that shares one session
 * between client connections (the embedded PGlite of `npm start`, PgBouncer in transaction
 * pooling mode) two connections would prepare the same name and the second fails. Such
 * deployments turn them off (`DATABASE_PREPARED_STATEMENTS=false`, passed to createDataSource);
 * the statements then run unnamed, as before.
 */

/** DataSources created with prepared statements off (createDataSource({ preparedStatements: false })). */
const unprepared = new WeakSet<DataSource>();

/** Records whether `ds` runs its hot statements as named prepared statements (default on). */
export function setPreparedStatements(ds: DataSource, enabled: boolean): void {
  if (enabled) unprepared.delete(ds);
  else unprepared.add(ds);
}

/** Whether `ds` runs {@link preparedQuery} statements as named prepared statements. */
export function usesPreparedStatements(ds: DataSource): boolean {
  return !unprepared.has(ds);
}

const names = new Map<string, string>();
/** Texts remembered at most (the hot statements are a few dozen fixed texts). */
const NAMES_MAX = 2_000;

/**
 * The statement name of `sql`: `n_` + 24 characters of its SHA-256 (base64url), so one text has
 * one name in every process and two texts never share one.
 */
export function preparedStatementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `n_${createHash('sha256').update(sql).digest('base64url').slice(0, 24)}`;
    if (names.size < NAMES_MAX) names.set(sql, name);
  }
  return name;
}

function dataSourceOf(target: EntityManager | DataSource): DataSource {
  return target instanceof DataSource ? target : target.connection;
}

/** The pg Pool behind a TypeORM Postgres DataSource (its `master` pool). */
function poolOf(ds: DataSource): Pool {
  const pool = (ds.driver as unknown as { master?: Pool }).master;
  if (!pool) throw new Error('the DataSource is not initialized (no connection pool)');
  return pool;
}

/**
 * Runs one statement with positional parameters as a named prepared statement (see above): on the
 * manager's own connection when it belongs to a query runner (a transaction's EntityManager),
 * else on a pooled connection of the DataSource. The statement text must not vary with the
 * values (one text per shape: arrays through `unnest`/`ANY`, not a growing VALUES list), or every
 * variant is prepared on every connection. When the DataSource has prepared statements off, the
 * statement runs unnamed through TypeORM (managerQuery) as before. A failed statement rejects
 * with TypeORM's QueryFailedError either way, as `manager.query` does: the Postgres error is its
 * `driverError`, and its fields (`code`, `constraint`, …) are copied onto it.
 */
export async function preparedQuery<R = Record<string, unknown>>(
  target: EntityManager | DataSource,
  sql: string,
  params: readonly unknown[] = [],
): Promise<SqlResult<R>> {
  const ds = dataSourceOf(target);
  if (!usesPreparedStatements(ds)) return managerQuery(target instanceof DataSource ? target.manager : target)<R>(sql, [...params]);
  const runner = target instanceof DataSource ? undefined : target.queryRunner;
  const config = { name: preparedStatementName(sql), text: sql, values: [...params] };
  const client: Pick<Pool, 'query'> = runner ? ((await runner.connect()) as PoolClient) : poolOf(ds);
  let res: QueryResult;
  try {
    res = await client.query(config);
  } catch (err) {
    // An error object from another realm (a test runner's sandbox) fails `instanceof Error` but
    // still carries its `code` (ECONNREFUSED, 57P01…): keep it as the driver error.
    const driverError = err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err) ? (err as Error) : new Error(String(err));
    throw new QueryFailedError(sql, config.values, driverError);
  }
  return { rows: res.rows as R[], rowCount: res.rowCount ?? res.rows.length };
}
