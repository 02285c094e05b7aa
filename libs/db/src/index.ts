// @notify/db barrel: per-service DataSource and migrations, transactional outbox and its
// relay to JetStream, a self-reconnecting LISTEN connection, dead letters and idempotent-consumer marks.
export { createDataSource, dataSourceSchema, runMigrations, type CreateDataSourceOptions } from './data-source.factory';
export { migrationSchema, table } from './migration.helpers';
export {
  CreateDeadLetters1795300001000,
  CreateOutbox1795300000000,
  CreateProcessedEvents1795300002000,
  platformMigrations,
} from './migrations';
export { assertSchemaName, outboxChannel, qualifiedTable } from './schema-name';
export { PLANNER_GUARD_SQL } from './planner-guard';
export { preparedQuery, preparedStatementName, setPreparedStatements, usesPreparedStatements } from './prepared-query';
export { sqlExecutor, type SqlExecutor, type SqlQuery, type SqlResult, type SqlSource } from './sql-source';
export { appendManyToOutbox, appendToOutbox, outboxInsertParams, outboxInsertSql, type KeyedOutboxEvent, type OutboxEvent } from './outbox.writer';
export {
  purgePublished,
  startOutboxRelay,
  type HandedOffEvent,
  type OutboxMessage,
  type OutboxPublishAck,
  type OutboxPublisher,
  type OutboxRelay,
  type OutboxRelayLogger,
  type OutboxRelayOptions,
  type OutboxRelayStats,
} from './outbox.relay';
export { PgListener, type PgListenerLogger, type PgListenerOptions } from './pg-listener';
export {
  createDeadLetterRecorder,
  listDeadLetters,
  type DeadLetterMessage,
  type DeadLetterOrigin,
  type DeadLetterRecorder,
  type DeadLetterRow,
} from './dead-letter.recorder';
export { markProcessed, purgeProcessedEvents } from './processed-events.store';
export { startHousekeeping, type Housekeeping, type HousekeepingOptions, type HousekeepingTask } from './housekeeping';
export { backoffMs } from './backoff';
export { withTimeout } from './timeout';
