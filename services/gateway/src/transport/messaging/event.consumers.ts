import { NotFoundError, TimeoutError, UnavailableError, ValidationError } from '@notify/errors';
import { decodeEvent, eventConsumer, type DecodedEvent, type EventDomain } from '@notify/events';
import type { Logger } from '@notify/logger';
import { retryDelayMs, type ConsumerHandle, type DeadLetterSink, type EventBus, type EventHandler, type IncomingEvent, type RetryPolicy } from '@notify/messaging';
import { commonv1, customerv1 } from '@notify/proto';
import type { ApplyPreferencesUseCase, IngestNotificationUseCase, JobOfferLog, RecipientDirectory, SupersedeDeliveriesUseCase, WithdrawOptedOutUseCase, WithdrawPaidRemindersUseCase } from '../../application';
import { recipientKindFromProto, storedQuietHours } from '../../infrastructure/clients/grpc-recipient.directory';
import { notificationForEvent, type TemplateFacts } from './event-notification.mapper';

/** Domains the gateway consumes (durables `gateway-ticket`, `gateway-customer`, `gateway-schedule`). */
export const CONSUMED_DOMAINS: readonly EventDomain[] = ['ticket', 'customer', 'schedule'];

/**
 * Backoff of an event postponed because the customer or template service is unavailable: 2 s,
 * doubling, at most 60 s between tries, ±20 % jitter (so a backlog does not come back in
 * lockstep when the service recovers). Delays in ms.
 */
export const TRANSIENT_EVENT_RETRY: Readonly<RetryPolicy> = Object.freeze({ initialDelayMs: 2_000, maxDelayMs: 60_000, multiplier: 2, jitter: 0.2 });

/** Each received message decoded once: by the order key, then by the handler (same object). */
const decoded = new WeakMap<IncomingEvent, DecodedEvent>();
function decodeOnce(msg: IncomingEvent): DecodedEvent {
  let evt = decoded.get(msg);
  if (!evt) {
    evt = decodeEvent(msg.subject, msg.data);
    decoded.set(msg, evt);
  }
  return evt;
}

/**
 * The order key of a consumed event (ConsumeOptions.orderKey): the ticket of a ticket event or
 * of a schedule event about a ticket (SLA warning, reminder), the customer of a customer event;
 * none for the others (payment reminders, daily summaries, broadcasts: independent). Events of
 * one key are turned into deliveries one after another in stream order, so a ticket's
 * `created` notification is queued before its `assigned` one even when both arrive together
 * (an internal system creating and assigning at once); the dispatcher claims due deliveries
 * oldest first, so the first queued is the first sent (its provider call starts first; two calls
 * in flight at once are not otherwise ordered). A message that does not decode has no
 * key (the handler dead-letters it).
 */
export function gatewayOrderKey(msg: IncomingEvent): string | undefined {
  const evt = decodeOnce(msg);
  const p = evt.payload as { ticket?: { id?: string }; customer?: { id?: string }; preferences?: { recipientKind?: number; recipientId?: string }; optOut?: { phone?: string } };
  if (p.ticket?.id) return `ticket:${p.ticket.id}`;
  if (evt.key === 'customer.preferences_updated' && p.preferences?.recipientId) return `preferences:${p.preferences.recipientKind ?? 0}:${p.preferences.recipientId}`;
  if (evt.key === 'customer.opted_out' && p.optOut?.phone) return `phone:${p.optOut.phone}`;
  if (evt.key.startsWith('customer.') && p.customer?.id) return `customer:${p.customer.id}`;
  return undefined;
}

/**
 * The handler of every consumed event: decode (poison → the bus dead-letters and terminates);
 * for a ticket event, first record and withdraw what it makes stale (`options.supersede`,
 * SupersedeDeliveriesUseCase: an unsent job offer once the ticket is taken…); then map to a
 * notification (`options.offers`: who a cancelled unassigned ticket's job offer reached, see
 * notificationForEvent) and run the ingest use case; a `customer.preferences_updated` notifies
 * nobody: its quiet hours and channels are applied to the recipient's waiting messages (`options.preferences`,
 * ApplyPreferencesUseCase; ignored without it), and a `customer.opted_out` neither: what still waits
 * for that phone on that channel is withdrawn (`options.optOuts`, WithdrawOptedOutUseCase), and a
 * `customer.invoice_status_changed` first withdraws the payment reminders of a paid or voided
 * invoice still waiting (`options.invoices`, WithdrawPaidRemindersUseCase), then a PAID one is
 * confirmed to the customer (PAYMENT_RECEIVED); ack once the delivery rows are committed
 * (a redelivered event creates nothing: unique idempotency keys). Settlement:
 * - UnavailableError / TimeoutError (customer or template service down, breaker open,
 *   deadline) → transient nak with `TRANSIENT_EVENT_RETRY` backoff (`options.transientRetry`
 *   overrides it): retried for as long as the outage lasts, never dead-lettered for it;
 * - ValidationError / NotFoundError from ResolveRecipients (a request the customer service
 *   rejects) → term with the reason (dead letter);
 * - anything else (e.g. database down) → thrown: the bus naks with its backoff and
 *   dead-letters after the consumer's `maxDeliver` such failures (10, `eventConsumer`).
 */
export function gatewayEventHandler(
  ingest: IngestNotificationUseCase,
  directory: RecipientDirectory,
  facts: TemplateFacts,
  logger: Logger,
  options: {
    transientRetry?: Partial<RetryPolicy>;
    supersede?: Pick<SupersedeDeliveriesUseCase, 'execute'>;
    offers?: JobOfferLog;
    preferences?: Pick<ApplyPreferencesUseCase, 'execute'>;
    optOuts?: Pick<WithdrawOptedOutUseCase, 'execute'>;
    invoices?: Pick<WithdrawPaidRemindersUseCase, 'execute'>;
  } = {},
): EventHandler {
  const retry: RetryPolicy = { ...TRANSIENT_EVENT_RETRY, ...options.transientRetry };
  return async (msg) => {
    const evt = decodeOnce(msg);
    try {
      if (evt.domain === 'ticket' && options.supersede) {
        const p = evt.payload as { eventId?: string; ticket?: { id?: string; number?: string; technicianId?: string }; previousTechnicianId?: string };
        if (p.ticket?.id) {
          await options.supersede.execute({
            eventKey: evt.key, eventId: p.eventId ?? '', ticketId: p.ticket.id, ticketNumber: p.ticket.number ?? '',
            previousTechnicianId: p.previousTechnicianId ?? '', technicianId: p.ticket.technicianId ?? '',
          });
        }
      }
      if (evt.key === 'customer.preferences_updated') {
        const prefs = (evt.payload as customerv1.PreferencesEvent).preferences!;
        await options.preferences?.execute({
          eventId: evt.payload.eventId, recipientKind: recipientKindFromProto(prefs.recipientKind), recipientId: prefs.recipientId, quietHours: storedQuietHours(prefs.quietHours),
          channels: prefs.channels.flatMap((c) => (c === commonv1.Channel.CHANNEL_WHATSAPP ? ['WHATSAPP' as const] : c === commonv1.Channel.CHANNEL_SMS ? ['SMS' as const] : [])),
        });
        return undefined;
      }
      if (evt.key === 'customer.opted_out') {
        const o = (evt.payload as customerv1.OptOutEvent).optOut!;
        // CHANNEL_UNSPECIFIED (every channel) is not what OptOut records; both are withdrawn then.
        const channels = o.channel === commonv1.Channel.CHANNEL_SMS ? (['SMS'] as const) : o.channel === commonv1.Channel.CHANNEL_WHATSAPP ? (['WHATSAPP'] as const) : (['WHATSAPP', 'SMS'] as const);
        const at = evt.payload.occurredAt;
        for (const channel of channels) await options.optOuts?.execute({ eventId: evt.payload.eventId, phone: o.phone, channel, reason: o.reason, ...(at ? { at } : {}) });
        return undefined;
      }
      if (evt.key === 'customer.invoice_status_changed') {
        const p = evt.payload as customerv1.InvoiceStatusEvent;
        const inv = p.invoice!;
        const S = customerv1.InvoiceStatus;
        const status = inv.status === S.INVOICE_STATUS_PAID ? 'PAID' : inv.status === S.INVOICE_STATUS_VOID ? 'VOID' : 'UNPAID';
        await options.invoices?.execute({ eventId: p.eventId, invoiceId: inv.id, invoiceNumber: inv.number, status, reason: inv.statusReason });
        // Then, for a payment, the confirmation to the customer (notificationForEvent: PAYMENT_RECEIVED).
      }
      const req = await notificationForEvent(evt, directory, facts, options.offers);
      if (!req) return;
      const res = await ingest.execute(req);
      const fields = { event: evt.key, event_id: req.idempotencyKey, notification_id: res.notification.id, deliveries: res.deliveries.length, duplicate: res.duplicate, left_out: res.notification.leftOut };
      // An event that reached nobody is worth an operator's look (QA: an escalation to level 2 with
      // no manager, a zone with no technician): a warning naming why, when known.
      if (!res.duplicate && res.deliveries.length === 0) logger.warn({ ...fields, reason: res.notification.error ?? 'no recipient (routing rules, preferences and opt-outs left nobody)' }, 'event reached nobody');
      else logger.info(fields, 'event turned into deliveries');
      return undefined;
    } catch (err) {
      if (err instanceof UnavailableError || err instanceof TimeoutError) {
        const delayMs = retryDelayMs(msg.deliveryCount, { retry });
        // Debug only: the consumer runner logs the outage (its first transient failure at warn, a
        // reminder a minute, one "recovered" line), not every retry of every event.
        logger.debug({ event: evt.key, delay_ms: delayMs, delivery: msg.deliveryCount, reason: err.message }, 'event postponed: a dependency is unavailable');
        return { kind: 'nak', delayMs, reason: err.message, transient: true };
      }
      if (err instanceof ValidationError || err instanceof NotFoundError) return { kind: 'term', reason: `rejected: ${err.message}` };
      throw err;
    }
  };
}

/** Starts the three durable consumers (whole domain each; NATS 2.9 takes one filter subject). */
export async function startGatewayConsumers(
  bus: EventBus,
  handler: EventHandler,
  options: { ns?: string; deadLetter?: DeadLetterSink; concurrency?: number },
): Promise<ConsumerHandle[]> {
  const handles: ConsumerHandle[] = [];
  for (const domain of CONSUMED_DOMAINS) {
    handles.push(
      await bus.consume(eventConsumer('gateway', domain, options.ns ? { ns: options.ns } : {}), handler, {
        concurrency: options.concurrency ?? 4,
        orderKey: gatewayOrderKey,
        ...(options.deadLetter ? { deadLetter: options.deadLetter } : {}),
      }),
    );
  }
  return handles;
}
