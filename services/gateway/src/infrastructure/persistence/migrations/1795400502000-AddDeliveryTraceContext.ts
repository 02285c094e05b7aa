import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * `deliveries.trace_context`: the W3C trace context (`{ traceparent, tracestate? }`) active when
 * the row was created (the consumer of the ticket event, or the Notify / Broadcast call), so the
 * dispatcher's send span, and with it the provider HTTP request, joins that trace
 * (ARCHITECTURE.md "Tracing": one trace from the ticket change to the provider's HTTP request).
 * NULL when tracing was off; rows created before this migration have none.
 */
export class AddDeliveryTraceContext1795400502000 implements MigrationInterface {
  name = 'AddDeliveryTraceContext1795400502000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'deliveries')} ADD COLUMN trace_context jsonb`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE ${table(qr, 'deliveries')} DROP COLUMN trace_context`);
  }
}
