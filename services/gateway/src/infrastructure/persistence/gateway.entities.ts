import { EntitySchema } from 'typeorm';
import type { AttemptRow, DeliveryRow, NotificationRow, ReceiptRow } from './gateway.rows';

/**
 * TypeORM entities of the gateway schema (tables created by
 * migrations/1795400500000-CreateDeliveryTables.ts; `synchronize` is off). Property names are
 * the column names, so the row types serve entity reads and the repository's raw SQL alike.
 */
export const NotificationEntity = new EntitySchema<NotificationRow>({
  name: 'Notification',
  tableName: 'notifications',
  columns: {
    id: { type: 'uuid', primary: true },
    source: { type: 'text' },
    idempotency_key: { type: 'text', unique: true },
    notification_type: { type: 'text' },
    priority: { type: 'text' },
    template_key: { type: 'text' },
    status: { type: 'text' },
    deliveries_created: { type: 'integer' },
    left_out: { type: 'integer' },
    left_out_recipients: { type: 'jsonb', default: () => "'[]'::jsonb" },
    error: { type: 'text', nullable: true },
    ticket_id: { type: 'text', nullable: true },
    invoice_id: { type: 'text', nullable: true },
    actor: { type: 'jsonb', nullable: true },
    variables: { type: 'jsonb', nullable: true },
    request: { type: 'jsonb', nullable: true },
    request_fingerprint: { type: 'text', nullable: true },
    created_at: { type: 'timestamptz' },
    resolved_at: { type: 'timestamptz', nullable: true },
  },
});

export const DeliveryEntity = new EntitySchema<DeliveryRow>({
  name: 'Delivery',
  tableName: 'deliveries',
  columns: {
    id: { type: 'uuid', primary: true },
    notification_id: { type: 'uuid' },
    idempotency_key: { type: 'text', unique: true },
    notification_type: { type: 'text' },
    ticket_id: { type: 'text', nullable: true },
    source_event_id: { type: 'text', nullable: true },
    recipient: { type: 'text' },
    recipient_kind: { type: 'text' },
    recipient_id: { type: 'text', nullable: true },
    recipient_name: { type: 'text' },
    channel: { type: 'text' },
    priority: { type: 'text' },
    locale: { type: 'text' },
    template_key: { type: 'text' },
    template_version: { type: 'integer' },
    body: { type: 'text' },
    fallback_body: { type: 'text', nullable: true },
    fallback_template_version: { type: 'integer', nullable: true },
    quiet_hours: { type: 'jsonb', nullable: true },
    status: { type: 'text' },
    due_at: { type: 'timestamptz' },
    deferred_until: { type: 'timestamptz', nullable: true },
    deferred_reason: { type: 'text', nullable: true },
    sms_fallback_reason: { type: 'text', nullable: true },
    next_attempt_at: { type: 'timestamptz', nullable: true },
    lease_until: { type: 'timestamptz', nullable: true },
    rounds: { type: 'integer' },
    attempt_count: { type: 'integer' },
    pinned_provider: { type: 'text', nullable: true },
    trace_context: { type: 'jsonb', nullable: true },
    provider: { type: 'text', nullable: true },
    provider_message_id: { type: 'text', nullable: true },
    provider_state_id: { type: 'text', nullable: true },
    last_error: { type: 'text', nullable: true },
    cost_rupiah: { type: 'bigint' },
    failover: { type: 'boolean' },
    created_at: { type: 'timestamptz' },
    updated_at: { type: 'timestamptz' },
    sent_at: { type: 'timestamptz', nullable: true },
    delivered_at: { type: 'timestamptz', nullable: true },
    read_at: { type: 'timestamptz', nullable: true },
    receipt_checks: { type: 'integer' },
    receipt_checked_id: { type: 'text', nullable: true },
    receipt_check_at: { type: 'timestamptz', nullable: true },
  },
});

export const DeliveryAttemptEntity = new EntitySchema<AttemptRow>({
  name: 'DeliveryAttempt',
  tableName: 'delivery_attempts',
  columns: {
    id: { type: 'uuid', primary: true },
    delivery_id: { type: 'uuid' },
    number: { type: 'integer' },
    provider: { type: 'text' },
    outcome: { type: 'text' },
    error: { type: 'text', nullable: true },
    latency_ms: { type: 'integer' },
    provider_message_id: { type: 'text', nullable: true },
    cost_rupiah: { type: 'bigint' },
    http_status: { type: 'integer' },
    started_at: { type: 'timestamptz' },
    finished_at: { type: 'timestamptz' },
  },
});

export const ReceiptEntity = new EntitySchema<ReceiptRow>({
  name: 'Receipt',
  tableName: 'receipts',
  columns: {
    provider: { type: 'text', primary: true },
    message_key: { type: 'text', primary: true },
    status: { type: 'text', primary: true },
    delivery_id: { type: 'uuid', nullable: true },
    error: { type: 'text', nullable: true },
    occurred_at: { type: 'timestamptz' },
    received_at: { type: 'timestamptz' },
  },
  indices: [{ name: 'receipts_received_at_idx', columns: ['received_at'], synchronize: false }],
});

export const gatewayEntities = [NotificationEntity, DeliveryEntity, DeliveryAttemptEntity, ReceiptEntity];
