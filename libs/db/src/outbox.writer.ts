import type { EntityManager } from 'typeorm';
import { injectTraceHeaders } from '@notify/telemetry';
import { dataSourceSchema } from './data-source.factory';
import { outboxChannel, qualifiedTable, assertSchemaName } from './schema-name';
import { preparedQuery } from './prepared-query';
import { byteaParam, managerQuery } from './sql-source';

/** One event to publish: `id` becomes JetStream's `Nats-Msg-Id` (dedupe key). */
export interface OutboxEvent {
  /** Event id, a UUID (the outbox primary key and the JetStream msgID). */
  id: string;
  /** NATS subject, `notify.<domain>.v1.<event>`. */
  subject: string;
  /** Encoded payload (protobuf bytes). */
  data: Uint8Array;
  /** Message headers; merged over the current trace context (`traceparent`, `tracestate`). */
  headers?: Record<string, string>;
}

/**
 * Writes `event` to `<schema>.outbox` inside the caller's transaction and signals the relay
 * with `NOTIFY <schema>_outbox`, which Postgres delivers only when that transaction commits
 * (a rolled-back transaction leaves neither the row nor the notification).
 *
 * `manager` must be a transactional EntityManager (`ds.transaction(async (manager) => …)`);
 * otherwise a `TypeError` is thrown, because the event would no longer be atomic with the
 * state change. The schema is the DataSource's (`createDataSource({ schema })`) unless
 * `options.schema` says otherwise. Headers default to the active trace context
 * (`injectTraceHeaders()`), so the relay's publish continues the caller's trace.
 * Postgres errors propagate (a duplicate `id` is a unique violation, 23505).
 */
export async function appendToOutbox(
  manager: EntityManager,
  event: OutboxEvent,
  options: { schema?: string } = {},
): Promise<void> {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new TypeError('appendToOutbox needs the EntityManager of an open transaction (ds.transaction(manager => …))');
  }
  const schema = options.schema ? assertSchemaName(options.schema) : dataSourceSchema(manager.dataSource);
  const headers = { ...injectTraceHeaders(), ...(event.headers ?? {}) };
  // One statement: the INSERT runs as a data-modifying CTE, then the NOTIFY (Postgres folds
  // notifications with the same channel and payload into one per transaction). A fixed text:
  // a named prepared statement (preparedQuery).
  await preparedQuery(
    manager,
    `WITH ins AS (INSERT INTO ${qualifiedTable(schema, 'outbox')} (id, subject, payload, headers) VALUES ($1, $2, $3, $4::jsonb))
     SELECT pg_notify($5, '')`,
    [event.id, event.subject, byteaParam(event.data), JSON.stringify(headers), outboxChannel(schema)],
  );
}

/** Rows per INSERT of {@link appendManyToOutbox} (4 parameters each; Postgres allows 65 535). */
const OUTBOX_CHUNK = 1000;

/**
 * Writes `events` to `<schema>.outbox` inside the caller's transaction like {@link appendToOutbox}
 * (same rules: transactional EntityManager required, else `TypeError`; headers merged over the
 * active trace context; a duplicate `id` is a unique violation, 23505, and rolls the caller back),
 * but with one multi-row INSERT per 1000 events and ONE `NOTIFY <schema>_outbox` for the batch
 * (delivered at commit; sent in the same statement as the last INSERT), instead of two statements per event. Rows keep the order of `events`
 * (the relay publishes by insertion order). An empty list writes and signals nothing.
 */
export async function appendManyToOutbox(
  manager: EntityManager,
  events: readonly OutboxEvent[],
  options: { schema?: string } = {},
): Promise<void> {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new TypeError('appendManyToOutbox needs the EntityManager of an open transaction (ds.transaction(manager => …))');
  }
  if (events.length === 0) return;
  const schema = options.schema ? assertSchemaName(options.schema) : dataSourceSchema(manager.dataSource);
  const trace = injectTraceHeaders();
  const query = managerQuery(manager);
  for (let i = 0; i < events.length; i += OUTBOX_CHUNK) {
    const chunk = events.slice(i, i + OUTBOX_CHUNK);
    const params: unknown[] = [];
    const tuples = chunk.map((event, j) => {
      params.push(
        event.id,
        event.subject,
        byteaParam(event.data),
        JSON.stringify({ ...trace, ...(event.headers ?? {}) }),
      );
      return `($${j * 4 + 1}, $${j * 4 + 2}, $${j * 4 + 3}, $${j * 4 + 4}::jsonb)`;
    });
    const last = i + OUTBOX_CHUNK >= events.length;
    if (last) params.push(outboxChannel(schema));
    // The last chunk's INSERT runs as a data-modifying CTE with the NOTIFY: one statement.
    await query(
      last
        ? `WITH ins AS (INSERT INTO ${qualifiedTable(schema, 'outbox')} (id, subject, payload, headers) VALUES ${tuples.join(', ')})
           SELECT pg_notify($${params.length}, '')`
        : `INSERT INTO ${qualifiedTable(schema, 'outbox')} (id, subject, payload, headers) VALUES ${tuples.join(', ')}`,
      params,
    );
  }
}

/** An outbox event of a set-wise write: `key` names the row it belongs to (see {@link outboxInsertSql}). */
export interface KeyedOutboxEvent extends OutboxEvent {
  /** The id of the row whose write carries this event (compared as text). */
  readonly key: string;
}

/**
 * The outbox part of a one-statement, set-wise write (a data-modifying CTE of the caller's
 * statement): inserts the events whose key is among the rows the statement wrote — the CTE
 * `written` with the row id in `column` — in the order of the events (the relay publishes by
 * insertion order), and nothing for the others (a stale or duplicate row writes no event).
 * Five parameters from `$first` on, given by {@link outboxInsertParams}: ids, subjects,
 * payloads, headers (each event's own, merged over the trace context captured for it), keys.
 * The caller sends `pg_notify(outboxChannel(schema), '')` in the same statement when rows were written.
 */
export function outboxInsertSql(schema: string, first: number, written: { cte: string; column: string }): string {
  const p = (i: number): string => `$${first + i}`;
  return `INSERT INTO ${qualifiedTable(assertSchemaName(schema), 'outbox')} (id, subject, payload, headers)
         SELECT e.id, e.subject, e.payload, e.headers
           FROM unnest(${p(0)}::uuid[], ${p(1)}::text[], ${p(2)}::bytea[], ${p(3)}::jsonb[], ${p(4)}::text[])
                WITH ORDINALITY AS e(id, subject, payload, headers, key, ord)
           JOIN ${written.cte} ON ${written.cte}.${written.column}::text = e.key
          ORDER BY e.ord`;
}

/**
 * The five parameter arrays of {@link outboxInsertSql}. `trace` (default: the active trace
 * context, `injectTraceHeaders()`) is the base of every event's headers; an event's own
 * `headers` win.
 */
export function outboxInsertParams(events: readonly KeyedOutboxEvent[], trace: Record<string, string> = injectTraceHeaders()): unknown[][] {
  return [
    events.map((e) => e.id),
    events.map((e) => e.subject),
    events.map((e) => byteaParam(e.data)),
    events.map((e) => JSON.stringify({ ...trace, ...(e.headers ?? {}) })),
    events.map((e) => e.key),
  ];
}
