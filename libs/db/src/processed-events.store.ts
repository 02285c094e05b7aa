import type { EntityManager } from 'typeorm';
import { dataSourceSchema } from './data-source.factory';
import { assertSchemaName, qualifiedTable } from './schema-name';
import { managerQuery, sqlExecutor, type SqlSource } from './sql-source';

/**
 * Idempotent consumers: records that `consumer` handled `eventId` in `<schema>.processed_events`
 * and returns true, or returns false when it was already recorded (the caller then skips its
 * effects). Call it with the EntityManager of the transaction that applies the effects, so the
 * mark and the effects commit or roll back together; a concurrent duplicate waits on the
 * primary key until the first transaction ends and then gets false.
 */
export async function markProcessed(
  manager: EntityManager,
  consumer: string,
  eventId: string,
  options: { schema?: string } = {},
): Promise<boolean> {
  const schema = options.schema ? assertSchemaName(options.schema) : dataSourceSchema(manager.dataSource);
  const { rows } = await managerQuery(manager)(
    `INSERT INTO ${qualifiedTable(schema, 'processed_events')} (consumer, event_id) VALUES ($1, $2)
     ON CONFLICT (consumer, event_id) DO NOTHING
     RETURNING 1 AS inserted`,
    [consumer, eventId],
  );
  return rows.length === 1;
}

/**
 * Deletes processed-event marks older than `olderThanMs` ms (keep them longer than any
 * redelivery can take: the stream's max age or the consumer's redelivery horizon).
 * Returns the number deleted.
 */
export async function purgeProcessedEvents(
  source: SqlSource,
  olderThanMs: number,
  options: { schema?: string } = {},
): Promise<number> {
  const db = sqlExecutor(source);
  const schema = options.schema ?? db.defaultSchema();
  if (!schema) throw new TypeError('purgeProcessedEvents needs a schema when given a pg Pool');
  const { rowCount } = await db.query(
    `DELETE FROM ${qualifiedTable(assertSchemaName(schema), 'processed_events')}
      WHERE processed_at < now() - $1 * interval '1 millisecond'`,
    [olderThanMs],
  );
  return rowCount;
}
