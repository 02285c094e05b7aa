import type { Channel, RecipientKind } from '../../domain';

/**
 * Row shapes of the gateway schema (column names as property names), shared by the TypeORM
 * entities and the raw SQL of the repository. `bigint` columns come back from pg as strings.
 */
export interface NotificationRow {
  id: string;
  source: string;
  idempotency_key: string;
  notification_type: string;
  priority: string;
  template_key: string;
  status: string;
  deliveries_created: number;
  left_out: number;
  /** jsonb: LeftOutRecipient objects (absent on rows read before the column existed). */
  left_out_recipients?: Array<{ kind: RecipientKind; id: string; address?: string; name: string; reason: string; channel?: Channel | null }> | null;
  error: string | null;
  ticket_id: string | null;
  /** The invoice a payment reminder reminds of (absent on rows read before the column existed). */
  invoice_id?: string | null;
  actor: Record<string, unknown> | null;
  variables: Record<string, unknown> | null;
  request: Record<string, unknown> | null;
  request_fingerprint: string | null;
  created_at: Date;
  resolved_at: Date | null;
}

export interface DeliveryRow {
  id: string;
  notification_id: string;
  idempotency_key: string;
  notification_type: string;
  ticket_id: string | null;
  source_event_id: string | null;
  recipient: string;
  recipient_kind: string;
  recipient_id: string | null;
  recipient_name: string;
  channel: string;
  priority: string;
  locale: string;
  template_key: string;
  template_version: number;
  body: string;
  fallback_body: string | null;
  fallback_template_version: number | null;
  quiet_hours: { startMinute: number; endMinute: number; timeZone: string } | null;
  status: string;
  due_at: Date;
  deferred_until: Date | null;
  deferred_reason: string | null;
  sms_fallback_reason: string | null;
  next_attempt_at: Date | null;
  lease_until: Date | null;
  rounds: number;
  /** Rounds in a row that called no provider (DeliveryRecord.uncountedRounds). */
  uncounted_rounds: number;
  attempt_count: number;
  pinned_provider: string | null;
  trace_context: Record<string, string> | null;
  provider: string | null;
  provider_message_id: string | null;
  provider_state_id: string | null;
  last_error: string | null;
  cost_rupiah: string | number;
  failover: boolean;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  /** Status look-ups made for `receipt_checked_id` (`<provider>:<provider message id>`; receipt reconciliation). */
  receipt_checks: number;
  receipt_checked_id: string | null;
  /** When the next status look-up is due; null before the first. */
  receipt_check_at: Date | null;
}

export interface AttemptRow {
  id: string;
  delivery_id: string;
  number: number;
  provider: string;
  outcome: string;
  error: string | null;
  latency_ms: number;
  provider_message_id: string | null;
  cost_rupiah: string | number;
  http_status: number;
  started_at: Date;
  finished_at: Date;
}

export interface ReceiptRow {
  provider: string;
  message_key: string;
  status: string;
  delivery_id: string | null;
  error: string | null;
  occurred_at: Date;
  received_at: Date;
}

/** A receipt kept until its send is recorded (migration 1795400506000). */
export interface PendingReceiptRow {
  provider: string;
  message_key: string;
  status: string;
  provider_message_id: string | null;
  state_id: string | null;
  error: string | null;
  occurred_at: Date;
  received_at: Date;
}
