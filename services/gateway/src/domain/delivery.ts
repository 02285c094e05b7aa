/**
 * The delivery model of the gateway (no I/O). Names follow notify.gateway.v1 without the
 * enum prefixes (proto mapping lives in transport/grpc).
 *
 * States (issue 5 "Delivery states", delivery.proto DeliveryStatus):
 *   QUEUED → SENDING → SENT → DELIVERED → READ
 *   QUEUED / FAILED → DEFERRED → (due) → SENDING
 *   SENDING → FAILED (retry at next_attempt_at) → … → DEAD (gave up; RetryDelivery re-drives)
 *   QUEUED / DEFERRED / FAILED / SENDING (claimed) → CANCELLED (withdrawn: {@link supersessionsOf})
 */
export const DELIVERY_STATUSES = ['QUEUED', 'DEFERRED', 'SENDING', 'SENT', 'DELIVERED', 'READ', 'FAILED', 'DEAD', 'CANCELLED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export type Priority = 'LOW' | 'NORMAL' | 'HIGH' | 'URGENT';
export type Channel = 'WHATSAPP' | 'SMS';
export type Locale = 'ID' | 'EN';
export type RecipientKind = 'CUSTOMER' | 'STAFF' | 'GROUP' | 'PHONE';
export type AttemptOutcome = 'ACCEPTED' | 'RETRYABLE_FAILURE' | 'PERMANENT_FAILURE' | 'AMBIGUOUS' | 'BREAKER_OPEN' | 'RATE_LIMITED';
export type NotificationSource = 'EVENT' | 'NOTIFY' | 'BROADCAST';
export type NotificationStatus = 'RESOLVING' | 'RESOLVED' | 'FAILED';

/** States the dispatcher may claim (when due). */
export const CLAIMABLE_STATUSES: readonly DeliveryStatus[] = ['QUEUED', 'DEFERRED', 'FAILED'];

/**
 * States a ticket event withdraws a delivery from (CANCELLED) when it is handled: waiting to go,
 * i.e. the claimable ones. A SENDING one (its provider call may be in flight) is left alone then,
 * and withdrawn by the next claim if its round fails (PgDeliveryStore.withdrawSuperseded).
 */
export const WITHDRAWABLE_STATUSES: readonly DeliveryStatus[] = CLAIMABLE_STATUSES;

/** States RetryDelivery accepts (delivery.proto RetryDelivery). */
export const REDRIVABLE_STATUSES: readonly DeliveryStatus[] = ['FAILED', 'DEAD'];

/** Outcomes that count as a success in GetStats: a provider took the message (and may have reported it delivered or read). */
const SUCCEEDED_STATUSES: readonly DeliveryStatus[] = ['SENT', 'DELIVERED', 'READ'];

/**
 * GetStats' success rate (percent, 0..100; 0 when nothing is settled): the succeeded deliveries
 * (SENT, DELIVERED, READ) over the settled ones, i.e. the succeeded plus the DEAD (gave up).
 * Left out as not settled: QUEUED, DEFERRED, SENDING and FAILED (a retry is scheduled: it may
 * still succeed, so an outage in progress does not read as lost messages), and CANCELLED
 * (withdrawn unsent because the ticket moved on: neither). `counts` by status; missing = 0.
 */
export function successRatePercent(counts: Partial<Record<DeliveryStatus, number>>): number {
  const ok = SUCCEEDED_STATUSES.reduce((n, st) => n + (counts[st] ?? 0), 0);
  const settled = ok + (counts.DEAD ?? 0);
  return settled > 0 ? (ok / settled) * 100 : 0;
}

/** Receipt-driven progress order: a receipt never moves a delivery backwards. */
const RECEIPT_RANK: Partial<Record<DeliveryStatus, number>> = { SENDING: 0, SENT: 1, DELIVERED: 2, READ: 3 };

/**
 * What a provider receipt says (webhook-payloads ReceiptStatus). `pending`: the provider still
 * holds the message (Fonnte's in-between words pending / processing / waiting, providers.md §1.6);
 * it changes no state and only ties Fonnte's stateid to the message id (§1.7).
 */
export type ReceiptKind = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

/**
 * The state a receipt moves a delivery to, or null when it changes nothing (issue 5
 * "Receipts"): `delivered` from SENT (or SENDING/FAILED when the receipt overtook the
 * bookkeeping, FAILED/CANCELLED when an earlier send did arrive after all); `read` from
 * SENT/DELIVERED (and likewise); `failed` only from SENT (a later delivered/read is never
 * undone); `sent` and `pending` change nothing (SENT is already recorded on acceptance).
 * DELIVERED after READ, READ after READ, anything on DEAD: no-op.
 * A FAILED result is the receipt's verdict before the retry budget: the caller applies
 * `decideAfterFailure` (send-policy.ts) to the rounds made, which makes it DEAD after the
 * last round, else FAILED with the dispatcher's backoff.
 */
export function statusAfterReceipt(current: DeliveryStatus, receipt: ReceiptKind): DeliveryStatus | null {
  if (receipt === 'sent' || receipt === 'pending') return null;
  if (receipt === 'failed') return current === 'SENT' ? 'FAILED' : null;
  const target: DeliveryStatus = receipt === 'delivered' ? 'DELIVERED' : 'READ';
  // FAILED and CANCELLED may hide a message a provider did take (an ambiguous timeout, a failed
  // receipt before a retry): its delivered / read receipt is the truth.
  const from = RECEIPT_RANK[current === 'FAILED' || current === 'CANCELLED' ? 'SENDING' : current];
  if (from === undefined) return null;
  return RECEIPT_RANK[target]! > from ? target : null;
}

/** True for priorities exempt from quiet hours and rate limits (issue 5: URGENT bypasses). */
export const isUrgent = (p: Priority): boolean => p === 'URGENT';

/** Notification types about a ticket's deadline: SLA warnings and escalations (quiet hours, supersessions). */
export const DEADLINE_NOTICE_TYPES: readonly string[] = ['SLA_WARNING', 'TICKET_ESCALATED'];

/**
 * Notification types whose message loses its point when it waits for the end of quiet hours:
 * an SLA warning ("Remaining: 1 jam 39 menit", ARCHITECTURE "warn before the deadline") and an
 * escalation both concern a deadline that does not wait (QA: a HIGH ticket's warning deferred
 * to 13:00 for a 12:01 deadline). They bypass quiet hours whatever their priority; the
 * per-recipient rate limit still applies to the non-urgent ones.
 */
export const QUIET_HOURS_EXEMPT_TYPES: ReadonlySet<string> = new Set(DEADLINE_NOTICE_TYPES);

/**
 * What a ticket event makes stale among the ticket's deliveries (kept per ticket: a delivery of
 * that kind is withdrawn whenever it would go out, see {@link supersessionsOf}):
 * - `JOB_OFFERS`: the announcements of the open ticket to staff: TICKET_CREATED to a staff member or
 *   a group (the job offer of the default routing rules, whatever template a rule names) and
 *   TECHNICIAN_JOB_OFFER (Notify);
 * - `DEADLINE_NOTICES`: {@link DEADLINE_NOTICE_TYPES} (SLA_WARNING, TICKET_ESCALATED);
 * - `STAFF`: every message of the ticket to one staff member (`staffId`) created before the
 *   event, e.g. "ticket assigned to you" still waiting for quiet hours when the ticket was
 *   reassigned to someone else, and any SLA warning or escalation of the ticket to them (one
 *   made while they held it may arrive later); dropped when the ticket is assigned back to them.
 * The reply flow's answers (`reply:` keys) are never withdrawn, nor is anything to a customer.
 */
export type SupersessionKind = 'JOB_OFFERS' | 'DEADLINE_NOTICES' | 'STAFF';

/** One kind of delivery a ticket event makes stale. */
export interface Supersession {
  kind: SupersessionKind;
  /** Staff id (UUID) for `STAFF`; '' otherwise. */
  staffId: string;
}

/**
 * What a ticket event makes stale: the ticket's deliveries of these kinds become CANCELLED instead
 * of going out late, those still waiting when the event is handled (QUEUED, DEFERRED by quiet
 * hours or the rate limit, FAILED waiting for a retry) and any that would go out later (a round
 * in flight that fails, a notification still being resolved, a late SLA warning, RetryDelivery):
 * a job offer deferred by a technician's quiet hours would otherwise go out at the window's end
 * for a ticket another technician took in the meantime (and their "1" would take nothing), an SLA
 * warning waiting for a provider's recovery would go out for a ticket closed in the meantime.
 * - `ticket.assigned`, `ticket.started`: the job is taken: JOB_OFFERS; a reassignment
 *   (`previousTechnicianId` set) also STAFF of the technician it was taken from;
 * - `ticket.completed`, `ticket.cancelled`: JOB_OFFERS and DEADLINE_NOTICES;
 * - other events (`created`, `escalated`, not ticket events): nothing.
 * What the customer is told is never withdrawn: each message of the ticket's story still
 * arrives, in order. `eventKey` is `<domain>.<name>` (`ticket.assigned`).
 */
export function supersessionsOf(eventKey: string, previousTechnicianId = ''): Supersession[] {
  const offers: Supersession = { kind: 'JOB_OFFERS', staffId: '' };
  switch (eventKey) {
    case 'ticket.assigned':
      return previousTechnicianId ? [offers, { kind: 'STAFF', staffId: previousTechnicianId }] : [offers];
    case 'ticket.started':
      return [offers];
    case 'ticket.completed':
    case 'ticket.cancelled':
      return [offers, { kind: 'DEADLINE_NOTICES', staffId: '' }];
    default:
      return [];
  }
}

/**
 * Idempotency-key prefix of the technician reply flow's answers (`reply:<provider>:<inbound
 * message id>`, or `reply:<uuid>` without an id; the composition root's ReplySender makes them),
 * which is how the delivery log tells the flow's answers from the pipeline's messages.
 */
export const REPLY_KEY_PREFIX = 'reply:';

/**
 * Notification types the per-recipient rate limit neither holds back nor counts: a ticket's own
 * story (its lifecycle messages to the customer and the technicians, the job offers, SLA
 * warnings, escalations). They are what the recipient is waiting for, one event at a time;
 * holding them back an hour because of a busy shift is a failure (QA: a customer's "TIKET
 * GANGGUAN DITERIMA" and a technician's job offers deferred 48 minutes after ten job offers).
 * The limit is for the rest: bulk and API messages (maintenance, promotions, reminders, reports)
 * and the reply flow's answers (type REPLY: a bot writing to the number in a loop; those
 * recorded before that type carry TECHNICIAN_JOB_OFFER and a `reply:` key, {@link isRateLimitExempt}).
 */
export const RATE_LIMIT_EXEMPT_TYPES: ReadonlySet<string> = new Set([
  'TICKET_CREATED', 'TICKET_ASSIGNED', 'TICKET_STARTED', 'TICKET_COMPLETED', 'TICKET_CANCELLED', 'TICKET_ESCALATED', 'SLA_WARNING', 'TECHNICIAN_JOB_OFFER',
]);

/**
 * True when the rate limit does not apply to (nor count) this delivery: a message about a ticket
 * (ticket id set) of a {@link RATE_LIMIT_EXEMPT_TYPES} type, not a reply-flow answer. A Notify of
 * such a type without a ticket is limited like any API message. Note: in a mass outage (a fiber
 * cut, hundreds of tickets in a zone) every job offer still goes to the zone's technicians and
 * group at once; provider pacing (`<PROVIDER>_RATE_PER_SECOND`) is what keeps a WhatsApp
 * number's sending rate within its provider's limits then.
 */
export function isRateLimitExempt(d: { notificationType: string; idempotencyKey: string; ticketId: string | null }): boolean {
  return d.ticketId !== null && RATE_LIMIT_EXEMPT_TYPES.has(d.notificationType) && !d.idempotencyKey.startsWith(REPLY_KEY_PREFIX);
}

/**
 * Idempotency key of one delivery: `(source event id or Notify idempotency key, recipient
 * address, channel)` joined by `|` (delivery.proto Delivery.idempotency_key).
 */
export function deliveryIdempotencyKey(source: string, address: string, channel: Channel): string {
  return `${source}|${address}|${channel}`;
}

/** Quiet hours as stored with the delivery (see quiet-hours.ts). */
export interface StoredQuietHours {
  startMinute: number;
  endMinute: number;
  timeZone: string;
}

/** One delivery (row of `deliveries`), times as Dates, cost in whole rupiah. */
export interface DeliveryRecord {
  id: string;
  notificationId: string;
  idempotencyKey: string;
  notificationType: string;
  ticketId: string | null;
  sourceEventId: string | null;
  recipient: string;
  recipientKind: RecipientKind;
  recipientId: string | null;
  recipientName: string;
  channel: Channel;
  priority: Priority;
  locale: Locale;
  templateKey: string;
  templateVersion: number;
  body: string;
  /** SMS text rendered for the WhatsApp → SMS fallback (null = no fallback possible). */
  fallbackBody: string | null;
  quietHours: StoredQuietHours | null;
  status: DeliveryStatus;
  dueAt: Date;
  deferredUntil: Date | null;
  /** Why the delivery was last DEFERRED (`quiet hours`, `recipient rate limit`); null when never. Meaningful while DEFERRED. */
  deferredReason: string | null;
  nextAttemptAt: Date | null;
  leaseUntil: Date | null;
  /**
   * Why the delivery left WhatsApp for SMS between rounds (`fonnte: invalid`: a failure receipt
   * said the number cannot get WhatsApp, decideAfterFailedReceipt); null otherwise. Its rounds
   * since go over the SMS chain (channel SMS, body its SMS text) and its send is a failover.
   */
  smsFallbackReason: string | null;
  /** Send rounds made (DELIVERY_MAX_ATTEMPTS counts these). */
  rounds: number;
  /**
   * Rounds in a row, since the last counted round, in which no provider was called (each skipped:
   * breaker open, Retry-After pause, pacing); not in `rounds`. Each backs the next retry off
   * further (retryAfterUncountedRound). 0 after a round that called a provider.
   */
  uncountedRounds: number;
  /** Provider calls recorded (delivery_attempts rows). */
  attemptCount: number;
  /** Set after an ambiguous outcome: the next round uses only this provider. */
  pinnedProvider: string | null;
  /** W3C trace context (`traceparent`, `tracestate`) of the code that created the row; the send joins that trace. */
  traceContext: Readonly<Record<string, string>> | null;
  provider: string | null;
  providerMessageId: string | null;
  providerStateId: string | null;
  lastError: string | null;
  costRupiah: number;
  failover: boolean;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
  /** Status look-ups of the current provider message by the receipt reconciliation (0 when none). */
  receiptChecks: number;
}

/** One provider call of a delivery. */
export interface AttemptRecord {
  id: string;
  deliveryId: string;
  number: number;
  provider: string;
  outcome: AttemptOutcome;
  error: string | null;
  latencyMs: number;
  providerMessageId: string | null;
  costRupiah: number;
  httpStatus: number;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * Someone a notification did not reach, and why (NotificationRecord.leftOutRecipients): the
 * customer service's left-out recipients (opted out, no phone, inactive, …; not the actor of the
 * change) and those whose text could not be rendered.
 */
export interface LeftOutRecipient {
  kind: RecipientKind;
  /** Customer, staff or group id (UUID); '' for a bare phone. */
  id: string;
  /** The phone (E.164 digits) of a bare phone; '' for the others (their id and name say who). */
  address: string;
  /** Display name; '' when not known (e.g. an id the directory does not know). */
  name: string;
  /** Why, in words: `opted out of WHATSAPP`, `no phone on record`, or the render error. */
  reason: string;
  /** The channel concerned, when the reason is about one. */
  channel: Channel | null;
}

/**
 * How many left-out recipients a notification keeps by name (the first ones, in resolution
 * order); `left_out` counts them all. A broadcast that leaves out thousands keeps a sample.
 */
export const LEFT_OUT_RECIPIENTS_KEPT = 50;

/** A notification (event, Notify or Broadcast) and its resolution progress. */
export interface NotificationRecord {
  id: string;
  source: NotificationSource;
  idempotencyKey: string;
  notificationType: string;
  priority: Priority;
  templateKey: string;
  status: NotificationStatus;
  deliveriesCreated: number;
  leftOut: number;
  /** The first {@link LEFT_OUT_RECIPIENTS_KEPT} of those left out, by name and reason. */
  leftOutRecipients: LeftOutRecipient[];
  error: string | null;
  ticketId: string | null;
  actor: Record<string, unknown> | null;
  variables: Record<string, unknown> | null;
  /** Digest of the Notify / Broadcast request that made it (idempotency checks); null for other sources and older rows. */
  fingerprint: string | null;
  createdAt: Date;
  resolvedAt: Date | null;
}

/** What happened to a delivery, for delivery events (notify.delivery.v1.*) and WatchDeliveries. */
export type DeliveryEventKind = 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

export interface DeliveryChange {
  /**
   * Id of the change's `notify.delivery.v1.<kind>` event (UUID v4; its outbox row, JetStream
   * msgID and DeliveryEvent.event_id), given by the store when it records the change, so the
   * WatchDeliveries stream carries the same id as the JetStream event. A store that does not
   * publish events still gives every change an id.
   */
  eventId: string;
  kind: DeliveryEventKind;
  delivery: DeliveryRecord;
  previousStatus: DeliveryStatus | null;
  attempt?: AttemptRecord;
  at: Date;
}
