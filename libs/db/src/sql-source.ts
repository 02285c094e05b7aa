import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import type { ClientConfig, Pool, PoolClient } from 'pg';
import { dataSourceSchema } from './data-source.factory';

/** Where the outbox relay and the consumer helpers run their SQL: a TypeORM DataSource or a pg Pool. */
export type SqlSource = DataSource | Pool;

/** Rows and affected-row count of one statement. */
export interface SqlResult<R> {
  rows: R[];
  rowCount: number;
}

/** Runs one statement with positional parameters (`$1`, `$2`, …). */
export type SqlQuery = <R = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<SqlResult<R>>;

/** Internal uniform access to a DataSource or a pg Pool. */
export interface SqlExecutor {
  query: SqlQuery;
  /** Runs `fn` inside BEGIN … COMMIT on one connection; rolls back and rethrows on error. */
  transaction<T>(fn: (query: SqlQuery) => Promise<T>): Promise<T>;
  /**
   * A transaction whose first and last round trips carry BEGIN and COMMIT: `open` (SQL without
   * parameters) is sent with BEGIN in one simple-protocol message and fn gets the rows of its
   * last statement; fn may run more statements and returns `close` (SQL without parameters, or
   * undefined), sent with COMMIT in one message. Two round trips fewer than BEGIN, open, …,
   * close, COMMIT; the same transaction. Rolls back and rethrows on any error (also one in `open`
   * or `close`, which stops the rest of that message, COMMIT included). Values inlined into
   * `open` / `close` must be literals the caller has validated (integers, UUIDs).
   */
  batchedTransaction<R, T>(open: string, fn: (rows: R[], query: SqlQuery) => Promise<{ value: T; close?: string }>): Promise<T>;
  /** Connection settings for a dedicated client (the relay's LISTEN connection). */
  clientConfig(): ClientConfig;
  /** The schema the DataSource is bound to (undefined for a Pool). */
  defaultSchema(): string | undefined;
}

function queryRunnerQuery(qr: QueryRunner): SqlQuery {
  return async <R>(sql: string, params?: unknown[]) => {
    const res = await qr.query(sql, params ?? [], true);
    return { rows: res.records as R[], rowCount: res.affected ?? res.records.length };
  };
}

function poolClientQuery(client: PoolClient | Pool): SqlQuery {
  return async <R>(sql: string, params?: unknown[]) => {
    const res = await client.query(sql, params ?? []);
    return { rows: res.rows as R[], rowCount: res.rowCount ?? res.rows.length };
  };
}

/** The rows of the last statement of a (possibly multi-statement) simple-protocol result. */
function lastRows<R>(res: unknown): R[] {
  const results = (Array.isArray(res) ? res : [res]) as Array<{ rows?: R[] }>;
  return results[results.length - 1]?.rows ?? [];
}

/** batchedTransaction on one pg client (a pooled connection or a TypeORM runner's). */
async function batchedOn<R, T>(
  client: PoolClient,
  open: string,
  fn: (rows: R[], query: SqlQuery) => Promise<{ value: T; close?: string }>,
): Promise<{ value: T } | { error: unknown; rollbackFailed?: Error }> {
  try {
    const rows = lastRows<R>(await client.query(`BEGIN; ${open}`));
    const { value, close } = await fn(rows, poolClientQuery(client));
    await client.query(close ? `${close}; COMMIT` : 'COMMIT');
    return { value };
  } catch (error) {
    let rollbackFailed: Error | undefined;
    await client.query('ROLLBACK').catch((e: Error) => (rollbackFailed = e));
    return { error, ...(rollbackFailed ? { rollbackFailed } : {}) };
  }
}

/** Runs raw SQL through an EntityManager (inside its transaction when it has one). */
export function managerQuery(manager: EntityManager): SqlQuery {
  if (manager.queryRunner) return queryRunnerQuery(manager.queryRunner);
  return async <R>(sql: string, params?: unknown[]) => {
    const qr = manager.dataSource.createQueryRunner();
    try {
      return await queryRunnerQuery(qr)<R>(sql, params);
    } finally {
      await qr.release();
    }
  };
}

function fromDataSource(ds: DataSource): SqlExecutor {
  return {
    query: managerQuery(ds.manager),
    async transaction(fn) {
      const qr = ds.createQueryRunner();
      try {
        await qr.connect();
        await qr.startTransaction();
        try {
          const result = await fn(queryRunnerQuery(qr));
          await qr.commitTransaction();
          return result;
        } catch (err) {
          if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
          throw err;
        }
      } finally {
        await qr.release();
      }
    },
    async batchedTransaction(open, fn) {
      const qr = ds.createQueryRunner();
      try {
        // The runner's pg client, used directly: TypeORM's query() drops multi-statement results.
        const client = (await qr.connect()) as PoolClient;
        const out = await batchedOn(client, open, fn);
        if ('error' in out) throw out.error;
        return out.value;
      } finally {
        await qr.release();
      }
    },
    clientConfig() {
      const o = ds.options as Extract<DataSource['options'], { type: 'postgres' }>;
      return {
        connectionString: o.url,
        host: o.host,
        port: o.port,
        user: o.username,
        password: typeof o.password === 'string' ? o.password : undefined,
        database: o.database,
        ssl: o.ssl as ClientConfig['ssl'],
        application_name: o.applicationName,
        connectionTimeoutMillis: o.connectTimeoutMS,
      };
    },
    defaultSchema: () => dataSourceSchema(ds),
  };
}

function fromPool(pool: Pool): SqlExecutor {
  return {
    query: poolClientQuery(pool),
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        try {
          const result = await fn(poolClientQuery(client));
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch((e: Error) => (broken = e));
          throw err;
        }
      } finally {
        // A connection whose ROLLBACK failed is discarded rather than returned to the pool.
        client.release(broken);
      }
    },
    async batchedTransaction(open, fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        const out = await batchedOn(client, open, fn);
        if ('error' in out) {
          broken = out.rollbackFailed;
          throw out.error;
        }
        return out.value;
      } finally {
        // A connection whose ROLLBACK failed is discarded rather than returned to the pool.
        client.release(broken);
      }
    },
    clientConfig: () => ({ ...pool.options }),
    defaultSchema: () => undefined,
  };
}

/** Wraps a DataSource or a pg Pool. */
export function sqlExecutor(source: SqlSource): SqlExecutor {
  return source instanceof DataSource ? fromDataSource(source) : fromPool(source);
}

/**
 * A Buffer over the same bytes as `data` (no copy): what `pg` sends as a `bytea` parameter (a
 * plain Uint8Array it would send as text). Event payloads reach the outbox and the dead-letter
 * table this way.
 */
export function byteaParam(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
