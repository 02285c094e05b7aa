import type { DataSource } from 'typeorm';
import { assertSchemaName, qualifiedTable } from '@notify/db';
import type { InboundDedupe } from '../../application/replies';
import type { WebhookProvider } from '../../transport/http';

/**
 * The technician reply flow's InboundDedupe over Postgres (`<schema>.inbound_messages`):
 * `claim` inserts (provider, message id) and resolves true the first time, false for every later
 * claim of the same pair (a retried webhook), across restarts and replicas.
 */
export class PgInboundDedupe implements InboundDedupe {
  private readonly table: string;

  constructor(
    private readonly ds: DataSource,
    schema: string,
  ) {
    this.table = qualifiedTable(assertSchemaName(schema), 'inbound_messages');
  }

  async claim(provider: WebhookProvider, messageId: string): Promise<boolean> {
    const runner = this.ds.createQueryRunner();
    try {
      const res = await runner.query(
        `INSERT INTO ${this.table} (provider, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1 AS claimed`,
        [provider, messageId],
        true,
      );
      return res.records.length === 1;
    } finally {
      await runner.release();
    }
  }
}
