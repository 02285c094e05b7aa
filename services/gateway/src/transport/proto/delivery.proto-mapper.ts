import { ValidationError } from '@notify/errors';
import { commonv1, gatewayv1 } from '@notify/proto';
import type {
  AttemptOutcome, AttemptRecord, Channel, DeliveryChange, DeliveryRecord, DeliveryStatus, Locale, NotificationRecord, Priority, RecipientKind,
} from '../../domain';

/**
 * Domain ↔ proto mapping for the gateway (domain types are never proto types, STYLE.md).
 * Enum names are the proto names without their prefix: `DELIVERY_STATUS_SENT` ↔ `SENT`.
 */
function enumName<E extends Record<string, string | number>>(e: E, prefix: string, value: number): string {
  const name = (e as unknown as Record<number, string>)[value];
  return name && name.startsWith(prefix) ? name.slice(prefix.length) : 'UNSPECIFIED';
}
function enumValue<E extends Record<string, string | number>>(e: E, prefix: string, name: string | null | undefined): E[keyof E] {
  const v = (e as Record<string, string | number>)[`${prefix}${name ?? 'UNSPECIFIED'}`];
  return (typeof v === 'number' ? v : 0) as E[keyof E];
}

export const statusToProto = (s: DeliveryStatus | string) => enumValue(gatewayv1.DeliveryStatus, 'DELIVERY_STATUS_', s);
export const statusFromProto = (s: gatewayv1.DeliveryStatus) => enumName(gatewayv1.DeliveryStatus, 'DELIVERY_STATUS_', s) as DeliveryStatus | 'UNSPECIFIED';
export const providerToProto = (p: string | null | undefined) => enumValue(gatewayv1.Provider, 'PROVIDER_', p ? p.toUpperCase() : null);
export const providerFromProto = (p: gatewayv1.Provider) => enumName(gatewayv1.Provider, 'PROVIDER_', p).toLowerCase();
export const outcomeToProto = (o: AttemptOutcome | string) => enumValue(gatewayv1.AttemptOutcome, 'ATTEMPT_OUTCOME_', o);
export const typeToProto = (t: string) => enumValue(commonv1.NotificationType, 'NOTIFICATION_TYPE_', t);
/** Proto NotificationType → its name without prefix; `UNSPECIFIED` for 0 and for values the enum does not have. */
export const typeFromProto = (t: commonv1.NotificationType) => enumName(commonv1.NotificationType, 'NOTIFICATION_TYPE_', t);
/**
 * A notification type a request must name (Notify, Broadcast): its name without prefix.
 * ValidationError(`field`) for NOTIFICATION_TYPE_UNSPECIFIED ("is required") and for a number
 * the enum does not have (e.g. 999, from a newer or broken client), which would otherwise be
 * stored as UNSPECIFIED.
 */
export function requiredTypeFromProto(t: commonv1.NotificationType, field = 'notification_type'): string {
  if (t === commonv1.NotificationType.NOTIFICATION_TYPE_UNSPECIFIED) throw new ValidationError(field, 'is required');
  const name = typeFromProto(t);
  if (name === 'UNSPECIFIED') throw new ValidationError(field, `unknown notification type ${t}`);
  return name;
}
export const priorityToProto = (p: Priority | string) => enumValue(commonv1.Priority, 'PRIORITY_', p);
/** UNSPECIFIED → NORMAL (NotifyRequest.priority). */
export const priorityFromProto = (p: commonv1.Priority): Priority => {
  const n = enumName(commonv1.Priority, 'PRIORITY_', p);
  return n === 'UNSPECIFIED' ? 'NORMAL' : (n as Priority);
};
export const channelToProto = (c: Channel | string) => enumValue(commonv1.Channel, 'CHANNEL_', c);
export const channelFromProto = (c: commonv1.Channel) => enumName(commonv1.Channel, 'CHANNEL_', c) as Channel | 'UNSPECIFIED';
export const localeToProto = (l: Locale | string) => enumValue(commonv1.Locale, 'LOCALE_', l);
/** UNSPECIFIED → ID. */
export const localeFromProto = (l: commonv1.Locale): Locale => (l === commonv1.Locale.LOCALE_EN ? 'EN' : 'ID');
export const recipientKindToProto = (k: RecipientKind | string) => enumValue(commonv1.RecipientKind, 'RECIPIENT_KIND_', k);
export const recipientKindFromProto = (k: commonv1.RecipientKind) => enumName(commonv1.RecipientKind, 'RECIPIENT_KIND_', k) as RecipientKind;

/**
 * The W3C trace id of a stored trace context (DeliveryRecord.traceContext, `{ traceparent,
 * tracestate? }`): the second dash-separated field of `traceparent`
 * (`00-<trace id>-<span id>-<flags>`) when it is 32 lower-case hex digits and not all zeros
 * (W3C Trace Context's invalid id); '' otherwise, and when there is no context (tracing was
 * off, or a row older than the column).
 */
export function traceIdOf(traceContext: Readonly<Record<string, string>> | null | undefined): string {
  const traceparent = traceContext?.['traceparent'];
  if (typeof traceparent !== 'string') return '';
  const id = traceparent.trim().split('-')[1] ?? '';
  return /^[0-9a-f]{32}$/.test(id) && !/^0{32}$/.test(id) ? id : '';
}

/**
 * A delivery as notify.gateway.v1.Delivery; `withBody` false for events (proto: body empty in
 * events); `attempts` (oldest first) for GetDelivery and RetryDelivery, none otherwise. `trace_id`
 * from the stored trace context ({@link traceIdOf}).
 */
export function deliveryToProto(d: DeliveryRecord, opts: { withBody?: boolean; attempts?: readonly AttemptRecord[] } = {}): gatewayv1.Delivery {
  return gatewayv1.Delivery.fromPartial({
    id: d.id,
    notificationId: d.notificationId,
    notificationType: typeToProto(d.notificationType),
    ticketId: d.ticketId ?? '',
    recipient: d.recipient,
    recipientKind: recipientKindToProto(d.recipientKind),
    recipientId: d.recipientId ?? '',
    recipientName: d.recipientName,
    channel: channelToProto(d.channel),
    provider: providerToProto(d.provider),
    status: statusToProto(d.status),
    body: opts.withBody === false ? '' : d.body,
    attempts: (opts.attempts ?? []).map(attemptToProto),
    attemptCount: d.attemptCount,
    lastError: d.lastError ?? '',
    providerMessageId: d.providerMessageId ?? '',
    idempotencyKey: d.idempotencyKey,
    priority: priorityToProto(d.priority),
    locale: localeToProto(d.locale),
    templateKey: d.templateKey,
    templateVersion: d.templateVersion,
    ...(d.status === 'DEFERRED' && d.deferredUntil ? { deferredUntil: d.deferredUntil } : {}),
    ...(d.status === 'DEFERRED' && d.deferredReason ? { deferredReason: d.deferredReason } : {}),
    ...(d.smsFallbackReason ? { smsFallbackReason: d.smsFallbackReason } : {}),
    ...(d.status === 'FAILED' && d.nextAttemptAt ? { nextAttemptAt: d.nextAttemptAt } : {}),
    costRupiah: String(d.costRupiah),
    failover: d.failover,
    sourceEventId: d.sourceEventId ?? '',
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    ...(d.sentAt ? { sentAt: d.sentAt } : {}),
    ...(d.deliveredAt ? { deliveredAt: d.deliveredAt } : {}),
    ...(d.readAt ? { readAt: d.readAt } : {}),
    traceId: traceIdOf(d.traceContext),
    receiptChecks: d.receiptChecks,
  });
}

export function attemptToProto(a: AttemptRecord): gatewayv1.DeliveryAttempt {
  return gatewayv1.DeliveryAttempt.fromPartial({
    id: a.id,
    deliveryId: a.deliveryId,
    number: a.number,
    provider: providerToProto(a.provider),
    outcome: outcomeToProto(a.outcome),
    error: a.error ?? '',
    latencyMs: a.latencyMs,
    providerMessageId: a.providerMessageId ?? '',
    costRupiah: String(a.costRupiah),
    httpStatus: a.httpStatus,
    startedAt: a.startedAt,
    finishedAt: a.finishedAt,
  });
}

const EVENT_TYPE: Record<DeliveryChange['kind'], gatewayv1.DeliveryEventType> = {
  queued: gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_QUEUED,
  sent: gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_SENT,
  delivered: gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_DELIVERED,
  read: gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_READ,
  failed: gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_FAILED,
};

/**
 * A delivery change as the notify.delivery.v1.* payload (body and attempts left empty), with the
 * change's event id: the JetStream event and WatchDeliveries carry the same payload.
 */
export function deliveryEventToProto(c: DeliveryChange): gatewayv1.DeliveryEvent {
  return gatewayv1.DeliveryEvent.fromPartial({
    eventId: c.eventId,
    occurredAt: c.at,
    type: EVENT_TYPE[c.kind],
    delivery: deliveryToProto(c.delivery, { withBody: false }),
    previousStatus: c.previousStatus ? statusToProto(c.previousStatus) : gatewayv1.DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED,
    ...(c.attempt ? { attempt: attemptToProto(c.attempt) } : {}),
  });
}

export function notificationToProto(n: NotificationRecord): gatewayv1.Notification {
  const source = enumValue(gatewayv1.NotificationSource, 'NOTIFICATION_SOURCE_', n.source);
  return gatewayv1.Notification.fromPartial({
    id: n.id,
    source,
    idempotencyKey: n.idempotencyKey,
    notificationType: typeToProto(n.notificationType),
    priority: priorityToProto(n.priority),
    templateKey: n.templateKey,
    status: enumValue(gatewayv1.NotificationStatus, 'NOTIFICATION_STATUS_', n.status),
    deliveriesCreated: n.deliveriesCreated,
    leftOut: n.leftOut,
    leftOutRecipients: n.leftOutRecipients.map((l) => ({
      kind: recipientKindToProto(l.kind), id: l.id, address: l.address, name: l.name, reason: l.reason, channel: l.channel ? channelToProto(l.channel) : commonv1.Channel.CHANNEL_UNSPECIFIED,
    })),
    error: n.error ?? '',
    ticketId: n.ticketId ?? '',
    ...(n.actor ? { actor: commonv1.Actor.fromJSON(n.actor) } : {}),
    createdAt: n.createdAt,
    ...(n.resolvedAt ? { resolvedAt: n.resolvedAt } : {}),
    ...(n.variables ? { variables: n.variables } : {}),
  });
}
