import { randomUUID } from 'node:crypto';
import type { DeliveryStore, NewDelivery, NewNotification } from '../../src/application';
import type { DeliveryRecord } from '../../src/domain';

/** A random Indonesian mobile number in normalized digits (`62812` + 8 digits). */
export const randomPhone = (): string => `62812${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

/** What a test may set on the one delivery queueDelivery creates; the rest has test defaults. */
export type QueuedDeliveryFields = Partial<Pick<NewDelivery, 'recipient' | 'recipientKind' | 'channel' | 'priority' | 'body' | 'fallbackBody' | 'ticketId' | 'notificationType' | 'quietHours'>> & {
  /** The notification's source (default NOTIFY). */
  source?: NewNotification['source'];
  /** Created at (default now). */
  at?: Date;
};

/**
 * Queues one delivery the way the pipeline does — a notification, then its one-row final page
 * (QUEUED, due at `at`) — and returns it. Defaults: a random phone (recipient kind PHONE),
 * WhatsApp, TICKET_CREATED, NORMAL, body `halo`, no SMS fallback, no quiet hours, no ticket.
 */
export async function queueDelivery(store: Pick<DeliveryStore, 'createNotification' | 'insertFinalPage'>, fields: QueuedDeliveryFields = {}): Promise<DeliveryRecord> {
  const at = fields.at ?? new Date();
  const notificationType = fields.notificationType ?? 'TICKET_CREATED';
  const priority = fields.priority ?? 'NORMAL';
  const ticketId = fields.ticketId ?? null;
  const recipient = fields.recipient ?? randomPhone();
  const { notification } = await store.createNotification({
    source: fields.source ?? 'NOTIFY', idempotencyKey: randomUUID(), notificationType, priority, templateKey: 'k', ticketId,
    actor: null, variables: null, request: null,
  }, at);
  const fallbackBody = fields.fallbackBody ?? null;
  const row: NewDelivery = {
    idempotencyKey: `${notification.id}|${recipient}`, notificationType, ticketId, sourceEventId: null, recipient,
    recipientKind: fields.recipientKind ?? 'PHONE', recipientId: null, recipientName: '', channel: fields.channel ?? 'WHATSAPP', priority,
    locale: 'ID', templateKey: 'k', templateVersion: 1, body: fields.body ?? 'halo', fallbackBody,
    fallbackTemplateVersion: fallbackBody === null ? null : 1, quietHours: fields.quietHours ?? null,
  };
  const { deliveries } = await store.insertFinalPage(notification.id, [row], 0, at);
  return deliveries[0]!;
}
