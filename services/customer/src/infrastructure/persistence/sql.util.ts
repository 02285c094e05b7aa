import { AlreadyExistsError } from '@notify/errors';
import { naturalBatcher } from '@notify/batching';
import { preparedQuery, qualifiedTable } from '@notify/db';
import type { EntityManager } from 'typeorm';

/** Row objects as returned by `pg` (column name → value). */
export type Row = Record<string, unknown>;

/** SQL over one EntityManager (a transaction's or the DataSource's) in one schema. */
export interface SqlContext {
  readonly manager: EntityManager;
  /** The service schema (validated identifier). */
  readonly schema: string;
}

/** Runs `sql` with positional parameters; returns the rows. */
export async function query(ctx: SqlContext, sql: string, params: unknown[] = []): Promise<Row[]> {
  const result: unknown = await ctx.manager.query(sql, params);
  return Array.isArray(result) ? (result as Row[]) : [];
}

/**
 * Runs a fixed-text `sql` (one text whatever the values) as a named prepared statement
 * (libs/db preparedQuery: parsed once per connection); returns the rows. For the hot reads of
 * ResolveRecipients and GetCustomer / GetStaff.
 */
export async function preparedRows(ctx: SqlContext, sql: string, params: unknown[] = []): Promise<Row[]> {
  return (await preparedQuery<Row>(ctx.manager, sql, params)).rows;
}

/**
 * Whether reads through `ctx` may be batched across callers: only on the DataSource's own
 * manager (no transaction). A unit of work's manager reads inside its transaction, alone.
 */
export function batchable(ctx: SqlContext): boolean {
  return ctx.manager.queryRunner === undefined;
}

/**
 * A point read by id of `<table>`: the row or null. On the DataSource's manager ({@link batchable})
 * with natural batching (@notify/batching): the ids asked for together go in ONE
 * `SELECT <columns> FROM <table> WHERE id = ANY($1)` and each caller gets its row, for the reads
 * ResolveRecipients, GetCustomer and GetStaff make many of at once (a ticket event's customer and
 * technician, for every event the gateway handles); inside a unit of work, one
 * `WHERE id = $1` on its transaction. Both are prepared statements.
 */
export function rowByIdReader(ctx: SqlContext, table: string, columns: string): (id: string) => Promise<Row | null> {
  if (!batchable(ctx)) {
    const one = `SELECT ${columns} FROM ${t(ctx, table)} WHERE id = $1`;
    return async (id) => (await preparedRows(ctx, one, [id]))[0] ?? null;
  }
  const many = `SELECT ${columns} FROM ${t(ctx, table)} WHERE id = ANY($1::text[])`;
  const batcher = naturalBatcher(async (ids: readonly string[]) => {
    const rows = await preparedRows(ctx, many, [[...new Set(ids)]]);
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  return (id) => batcher.load(id);
}

/** `"<schema>"."<name>"`. */
export function t(ctx: SqlContext, name: string): string {
  return qualifiedTable(ctx.schema, name);
}

/** The Postgres error code of a (TypeORM-wrapped) driver error, if any. */
export function pgCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Runs `fn`, turning a unique violation (23505) into AlreadyExistsError(`message`). */
export async function uniqueAs<T>(fn: () => Promise<T>, message: (constraint: string) => string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (pgCode(err) === '23505') {
      const constraint = (err as { driverError?: { constraint?: string }; constraint?: string }).driverError?.constraint ?? '';
      throw new AlreadyExistsError(message(constraint), { cause: err });
    }
    throw err;
  }
}
