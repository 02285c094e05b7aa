import { randomUUID } from 'node:crypto';
import { assertSchemaName, qualifiedTable } from './schema-name';
import { byteaParam, sqlExecutor, type SqlSource } from './sql-source';

/** The message a consumer gave up on (structurally what `@notify/messaging` hands to its sink). */
export interface DeadLetterMessage {
  subject: string;
  data: Uint8Array;
  msgID?: string;
  headers?: Record<string, string | string[]> | undefined;
  /** How many times JetStream delivered it (1 = first delivery). */
  deliveryCount: number;
}

/** Where the dead letter came from (structurally `DeadLetterContext` of `@notify/messaging`). */
export interface DeadLetterOrigin {
  stream?: string;
  /** Durable consumer name, `<consumer>-<domain>`. */
  durable?: string;
  /** Why the consumer gave up: `poison`, `handler_term`, `max_deliver`. */
  cause?: string;
}

/**
 * Records dead letters; `record` resolves with the new row id once it is stored (structurally a
 * `DeadLetterSink` of `@notify/messaging`).
 */
export interface DeadLetterRecorder {
  record(message: DeadLetterMessage, reason: string, origin?: DeadLetterOrigin): Promise<string>;
}

/** A stored dead letter (`<schema>.dead_letters`). */
export interface DeadLetterRow {
  id: string;
  subject: string;
  msgId: string | null;
  payload: Buffer;
  headers: Record<string, string | string[]>;
  reason: string;
  deliveryCount: number;
  stream: string | null;
  durable: string | null;
  cause: string | null;
  createdAt: Date;
}

/**
 * A dead-letter sink writing to `<schema>.dead_letters` (migration CreateDeadLetters) through
 * `source` (the service's DataSource, whose schema is the default, or a pg Pool with
 * `options.schema`). Each `record` call inserts one row in its own statement (one row per
 * incident); Postgres errors propagate so the consumer can `nak` instead of losing the message.
 */
export function createDeadLetterRecorder(source: SqlSource, options: { schema?: string } = {}): DeadLetterRecorder {
  const db = sqlExecutor(source);
  const schema = options.schema ?? db.defaultSchema();
  if (!schema) throw new TypeError('createDeadLetterRecorder needs a schema when given a pg Pool');
  const deadLetters = qualifiedTable(assertSchemaName(schema), 'dead_letters');
  return {
    async record(message, reason, origin = {}) {
      const id = randomUUID();
      await db.query(
        `INSERT INTO ${deadLetters} (id, subject, msg_id, payload, headers, reason, delivery_count, stream, durable, cause)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10)`,
        [
          id,
          message.subject,
          message.msgID ?? null,
          byteaParam(message.data),
          JSON.stringify(message.headers ?? {}),
          reason,
          message.deliveryCount,
          origin.stream ?? null,
          origin.durable ?? null,
          origin.cause ?? null,
        ],
      );
      return id;
    },
  };
}

/** The newest dead letters of a schema, newest first (`limit` default 100). */
export async function listDeadLetters(
  source: SqlSource,
  options: { schema?: string; limit?: number } = {},
): Promise<DeadLetterRow[]> {
  const db = sqlExecutor(source);
  const schema = options.schema ?? db.defaultSchema();
  if (!schema) throw new TypeError('listDeadLetters needs a schema when given a pg Pool');
  const { rows } = await db.query<DeadLetterRow>(
    `SELECT id, subject, msg_id AS "msgId", payload, headers, reason, delivery_count AS "deliveryCount",
            stream, durable, cause, created_at AS "createdAt"
       FROM ${qualifiedTable(assertSchemaName(schema), 'dead_letters')}
      ORDER BY created_at DESC, id
      LIMIT $1`,
    [options.limit ?? 100],
  );
  return rows;
}
