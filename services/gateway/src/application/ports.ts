import type { NotFoundError, ValidationError } from '@notify/errors';
import type {
  AttemptOutcome, AttemptRecord, Channel, DeliveryRecord, DeliveryStatus, LeftOutRecipient, Locale, NotificationRecord, NotificationSource, NotificationStatus, Priority,
  ReceiptFailureDecision, ReceiptKind, RecipientKind, StoredQuietHours, Supersession,
} from '../domain';

/** Wall clock (injectable; tests move it). */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** A delivery row to create (QUEUED, due now): the fields of a DeliveryRecord its creator decides. */
export type NewDelivery = Pick<
  DeliveryRecord,
  | 'idempotencyKey' | 'notificationType' | 'ticketId' | 'sourceEventId' | 'recipient' | 'recipientKind' | 'recipientId'
  | 'recipientName' | 'channel' | 'priority' | 'locale' | 'templateKey' | 'templateVersion' | 'body' | 'fallbackBody' | 'quietHours'
> & {
  /** Template version of the SMS fallback text (null when there is none). */
  fallbackTemplateVersion: number | null;
  /** Send only through this provider (a reply goes out through the number the person wrote to). */
  pinnedProvider?: string;
};

/** A notification to create. */
export interface NewNotification {
  source: NotificationSource;
  idempotencyKey: string;
  notificationType: string;
  priority: Priority;
  templateKey: string;
  ticketId: string | null;
  /** The invoice a payment reminder reminds of (its paid invoice's reminders are withdrawn); absent or null for the others. */
  invoiceId?: string | null;
  actor: Record<string, unknown> | null;
  variables: Record<string, unknown> | null;
  request: Record<string, unknown> | null;
  /** Digest of the request's identifying fields (Notify / Broadcast); absent or null = not checked on a repeated key. */
  fingerprint?: string | null;
}

/** A provider call to record. */
export interface NewAttempt {
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
 * The end of a send round. SENT `body`: the text that went out when it is not the stored body
 * (the SMS fallback text), else null (the stored body stays; not sent to Postgres again).
 * FAILED `uncounted`: no provider was called (each skipped: breaker open, Retry-After pause,
 * pacing), so the round does not count toward DELIVERY_MAX_ATTEMPTS (`rounds` stays; the row's
 * `uncounted_rounds` grows by one, and any other round resets it to 0).
 */
export type RoundResult =
  | { status: 'SENT'; provider: string; providerMessageId: string; costRupiah: number; failover: boolean; channel: Channel; body: string | null }
  | { status: 'FAILED'; provider: string | null; lastError: string; nextAttemptAt: Date; pinnedProvider: string | null; uncounted?: boolean }
  | { status: 'DEAD'; provider: string | null; lastError: string };

/** Filters of ListDeliveries (all optional, AND-ed). */
export interface DeliveryFilter {
  ticketId?: string;
  recipient?: string;
  status?: DeliveryStatus;
  /** Any of these (two or more; one is `status`). */
  statuses?: DeliveryStatus[];
  channel?: Channel;
  provider?: string;
  notificationId?: string;
  notificationType?: string;
  createdFrom?: Date;
  createdTo?: Date;
}

/** Filters of ListNotifications (all optional; `incomplete`: resolved, and reached nobody or left someone out). */
export interface NotificationFilter {
  status?: NotificationStatus;
  source?: NotificationSource;
  notificationType?: string;
  ticketId?: string;
  incomplete?: boolean;
  createdFrom?: Date;
  createdTo?: Date;
}

/**
 * Result of a receipt (see {@link PgDeliveryStore.applyReceipt}): `kept` = no delivery has that
 * message id (yet): the receipt is kept and applied when the send is recorded; `unknown` = the
 * receipt names no message at all (neither message id nor stateid).
 */
export type ReceiptResult =
  /**
   * `kept`: the statuses of receipts kept before the send was recorded that were applied with
   * this one (oldest first); `from` is the status before them.
   */
  | { kind: 'applied'; delivery: DeliveryRecord; from: DeliveryStatus; kept?: readonly string[] }
  | { kind: 'duplicate' | 'no_change'; delivery?: DeliveryRecord }
  | { kind: 'kept' | 'unknown' };

/** Receipts kept before their send was recorded, applied later (DeliveryStore.applyStrandedKeptReceipts). */
export interface KeptReceiptsApplied {
  /** The delivery after them. */
  delivery: DeliveryRecord;
  /** Its status before them. */
  from: DeliveryStatus;
  /** The kept receipts' statuses, in the order applied. */
  kept: readonly string[];
}

/**
 * What a `failed` receipt makes of the SENT delivery it names, given the delivery as it stands
 * (its rounds, channel, priority, SMS text) and the receipt's provider and error (the provider's
 * word): decideAfterFailedReceipt under the dispatcher's retry and fallback policy.
 */
export type ReceiptFailurePolicy = (delivery: DeliveryRecord, receipt: { provider: string; error?: string }) => ReceiptFailureDecision;

/**
 * Which SENT deliveries the receipt reconciliation looks up (ReceiptReconciler; config
 * RECEIPT_CHECK_*): of `providers`, sent at least `afterMs` and less than `maxAgeMs` ago (ms), with
 * fewer than `maxChecks` look-ups of their current message id and the next one due; at most
 * `limit` (oldest sent first).
 */
export interface UnconfirmedClaim {
  providers: readonly string[];
  afterMs: number;
  maxAgeMs: number;
  maxChecks: number;
  limit: number;
}

/** A SENT delivery to look up: the provider that accepted it, its message id there, look-ups made including this one. */
export interface UnconfirmedDelivery {
  id: string;
  provider: string;
  providerMessageId: string;
  checks: number;
}

/** Aggregates of GetStats. */
export interface DeliveryStats {
  total: number;
  byStatus: Array<{ status: DeliveryStatus; count: number }>;
  byProvider: Array<{ provider: string; attempts: number; accepted: number; failed: number; meanLatencyMs: number; costRupiah: number }>;
  byType: Array<{ notificationType: string; count: number; succeeded: number }>;
  failovers: number;
  costRupiah: number;
  meanTimeToSendMs: number;
}


/**
 * The gateway's persistence (implemented by PgDeliveryStore over Postgres). Every method that
 * changes a delivery writes its delivery event to the outbox in the same transaction.
 */
export interface DeliveryStore {
  readonly wakeChannel: string;
  createNotification(n: NewNotification, now: Date): Promise<{ notification: NotificationRecord; created: boolean }>;
  notificationByKey(key: string): Promise<NotificationRecord | null>;
  /** A notification's deliveries by status now (statuses with none left out). */
  deliveryCountsOf(notificationId: string): Promise<Array<{ status: DeliveryStatus; count: number }>>;
  /**
   * A corrected retry takes over the key of a notification that FAILED without creating any
   * delivery: its fields and fingerprint become `n`'s and it is RESOLVING again (so a third request racing it is refused). Resolves with it, or null when the
   * notification is not (any more) FAILED without deliveries (another call took it).
   */
  adoptFailedNotification(id: string, n: NewNotification): Promise<NotificationRecord | null>;
  notification(id: string): Promise<NotificationRecord | null>;
  notificationRequest(id: string): Promise<Record<string, unknown> | null>;
  resolvingNotifications(source: NotificationSource): Promise<NotificationRecord[]>;
  finishNotification(id: string, status: 'RESOLVED' | 'FAILED', now: Date, error?: string): Promise<NotificationRecord>;
  /** Adds `n` to the left-out counter, and `recipients` (who they were) to the names kept (LEFT_OUT_RECIPIENTS_KEPT at most, none twice). */
  addLeftOut(id: string, n: number, recipients?: readonly LeftOutRecipient[]): Promise<void>;
  /**
   * Inserts a page of deliveries; `leftOut` recipients of the page were left out, `leftOutRecipients`
   * names them (kept as addLeftOut keeps them).
   */
  insertDeliveries(
    notificationId: string, rows: readonly NewDelivery[], leftOut: number, now: Date, leftOutRecipients?: readonly LeftOutRecipient[],
  ): Promise<DeliveryRecord[]>;
  /**
   * insertDeliveries of the notification's last page (rows may be empty), finishing it in the same
   * transaction: `renderError` (the first reason recipients were left out because their text could
   * not be rendered; null = none) is stored as its `error`, and it ends FAILED when there is such
   * an error and no delivery at all was created for it, RESOLVED otherwise.
   */
  insertFinalPage(
    notificationId: string, rows: readonly NewDelivery[], leftOut: number, now: Date, renderError?: string | null,
    leftOutRecipients?: readonly LeftOutRecipient[],
  ): Promise<{ deliveries: DeliveryRecord[]; notification: NotificationRecord }>;
  /**
   * Claims up to `limit` due deliveries (SENDING under a lease of `leaseMs`), `gate` holding some
   * back (DEFERRED until its time); `channelLimits`: at most that many of a channel (provider
   * pacing); `pinnedLimits`: at most that many rows pinned to that provider (its pacing).
   * Returns the rows to send.
   */
  claimDue(
    now: Date,
    limit: number,
    leaseMs: number,
    gate: (d: DeliveryRecord, recentSends: (windowMs: number) => Promise<Date[]>) => Promise<{ until: Date; reason: string } | null>,
    channelLimits?: Partial<Record<Channel, number>>,
    pinnedLimits?: Readonly<Record<string, number>>,
  ): Promise<DeliveryRecord[]>;
  /**
   * Hands back a claimed row whose round sent nothing (still SENDING under `claimed`'s lease):
   * QUEUED when it made no round yet, else FAILED, lease cleared, due as it was; no attempt, no
   * event. Resolves with the row after, or null when it was not SENDING under that lease.
   */
  releaseClaim(claimed: DeliveryRecord, now: Date): Promise<DeliveryRecord | null>;
  /**
   * Records a send round (attempts, the delivery's new state, its event). `claimed`: the record
   * the dispatcher claimed (SENDING under its lease), which lets the store write the round in one
   * statement, and whose lease identifies the claim: the round still applies when that lease
   * expired meanwhile (DEAD, ambiguous), not when the row was claimed again since. Resolves with
   * the delivery after the change (null when it does not exist); rejects with the database's
   * error when nothing was written (safe to call again with the same arguments).
   */
  recordRound(deliveryId: string, attempts: readonly NewAttempt[], result: RoundResult, now: Date, claimed?: DeliveryRecord): Promise<DeliveryRecord | null>;
  /** Marks SENDING rows whose lease expired before `now` DEAD (ambiguous), except the ids in `exclude`; returns them. */
  expireLeases(now: Date, exclude?: readonly string[]): Promise<DeliveryRecord[]>;
  redrive(id: string, now: Date): Promise<DeliveryRecord>;
  /**
   * Makes the FAILED deliveries of `channel` that wait for their next round (due after `now`) due
   * at `now`: a provider of the channel is back (its breaker closed again). Not those failed by a
   * provider's receipt (`last_error` `receipt: …`: the message reached the provider and was
   * refused; their backoff stands). Resolves how many. Their rounds are not changed, nor their
   * `next_attempt_at` (their own retry time): a round pulled forward that fails again does not
   * count and returns them to it (the dispatcher).
   * For SMS, `smsFallbackPriorities` (SMS_FALLBACK_PRIORITIES) adds the WhatsApp deliveries of
   * those priorities that can fall back to SMS (an SMS text, not pinned to a WhatsApp provider):
   * with WhatsApp still down, their next round reaches the person by SMS now.
   * `trial`: only `limit` of them that `provider` could be sent (not pinned to another provider),
   * those with the fewest rounds first, then due soonest: the provider's breaker
   * half-opened and one of them is to be its trial call (expediteOnRecovery), instead of the
   * whole backlog meeting a breaker that lets one call through.
   */
  expediteFailed(channel: Channel, now: Date, smsFallbackPriorities?: readonly Priority[], trial?: { provider: string; limit: number }): Promise<number>;
  /**
   * Records a ticket event's supersessions (each with the reason its withdrawn deliveries get) and
   * withdraws the ticket's deliveries they match that are waiting (QUEUED, DEFERRED, FAILED):
   * CANCELLED, a `failed` event each (status CANCELLED). A row being claimed meanwhile is waited
   * for and left alone once it is SENDING. `assignedTo`: the technician the ticket is now assigned
   * to, whose own STAFF supersession of this ticket (an earlier reassignment away from them) is
   * dropped. Resolves with the deliveries withdrawn.
   */
  supersede(ticketId: string, marks: ReadonlyArray<Supersession & { reason: string }>, now: Date, opts?: { assignedTo?: string }): Promise<DeliveryRecord[]>;
  /**
   * A recipient's new quiet hours (null = none) on their deliveries still waiting (QUEUED,
   * DEFERRED, FAILED; matched by recipient kind and id): the window each keeps is replaced, and
   * those DEFERRED by quiet hours become due `now`, so the dispatcher's next claim judges them by
   * the new window (sent, or held to its end); a dispatcher wake-up when any became due. A
   * delivery being sent (SENDING) is left alone. Resolves with how many were changed and how many
   * of those were made due.
   */
  applyQuietHours(recipient: { kind: RecipientKind; id: string }, quietHours: StoredQuietHours | null, now: Date): Promise<{ updated: number; madeDue: number }>;
  /**
   * A phone's opt-out of a channel: its deliveries on that channel still waiting (QUEUED, DEFERRED,
   * FAILED; to that address, not a group's) → CANCELLED with `reason` as last_error, a `failed`
   * event each (status CANCELLED), except the reply flow's answers (type REPLY: the STOP
   * confirmation itself) created from `repliesBefore` on (absent: none of them; earlier ones —
   * an answer the rate limit held before the STOP — are withdrawn too). One being sent
   * (SENDING) is not interrupted. Resolves with the withdrawn rows.
   */
  withdrawOptedOut(phone: string, channel: Channel, reason: string, now: Date, repliesBefore?: Date): Promise<DeliveryRecord[]>;
  /**
   * A recipient switched `channel` off in their preferences: their deliveries on it still waiting
   * (matched by recipient kind and id) → CANCELLED with `reason`, as {@link withdrawOptedOut}.
   */
  withdrawSwitchedOff(recipient: { kind: RecipientKind; id: string }, channel: Channel, reason: string, now: Date): Promise<DeliveryRecord[]>;
  /**
   * Of rows just claimed (SENDING), withdraws (CANCELLED) those a recorded supersession of their
   * ticket matches, instead of sending them; resolves with their ids.
   */
  withdrawSuperseded(claimed: readonly DeliveryRecord[], now: Date): Promise<Set<string>>;
  /**
   * An invoice marked PAID or VOID (customer event `invoice_status_changed`): recorded once (the
   * first record and its `reason` are kept), and the deliveries of the payment reminders of that
   * invoice (notifications with that invoice id) still waiting (QUEUED, DEFERRED, FAILED) or given
   * up (DEAD: no longer a failure to look into) → CANCELLED with `reason` as last_error, a
   * `failed` event each. One being sent (SENDING) is not
   * interrupted; if its round fails it is withdrawn at its next claim ({@link withdrawClosedInvoices}).
   * Resolves with the withdrawn rows (none when handled again).
   */
  closeInvoice(invoiceId: string, status: 'PAID' | 'VOID', reason: string, now: Date): Promise<DeliveryRecord[]>;
  /**
   * Of rows just claimed (SENDING), withdraws (CANCELLED) the payment reminders of an invoice
   * recorded closed ({@link closeInvoice}), instead of sending them; resolves with their ids. No
   * statement when no claimed row is a PAYMENT_REMINDER.
   */
  withdrawClosedInvoices(claimed: readonly DeliveryRecord[], now: Date): Promise<Set<string>>;
  /**
   * Applies a provider receipt, or keeps it when no delivery matches yet (the receipt overtook
   * the round that records the send). `afterFailure`: what a `failed` receipt makes of the SENT
   * delivery it names (see ReceiptFailurePolicy).
   */
  applyReceipt(
    r: { provider: string; providerMessageId?: string; stateId?: string; status: ReceiptKind; error?: string; at: Date },
    now: Date,
    afterFailure: ReceiptFailurePolicy,
  ): Promise<ReceiptResult>;
  /**
   * Applies the receipts kept for `(provider, providerMessageId)` (and for the Fonnte stateid they
   * link) now that a round recorded that message id, as applyReceipt would have; call it after the
   * round committed. Resolves with the delivery after them, or null when none were kept.
   */
  applyKeptReceipts(provider: string, providerMessageId: string, now: Date, afterFailure: ReceiptFailurePolicy): Promise<DeliveryRecord | null>;
  /**
   * The sweep of kept receipts left behind (the gateway stopped after a round committed and before
   * its applyKeptReceipts ran): applies, as applyKeptReceipts would, the receipts kept more than
   * `minAgeMs` ago (by the database's clock) whose message a delivery now records, at most `limit`
   * messages. Resolves with one entry per delivery that had some applied.
   */
  applyStrandedKeptReceipts(minAgeMs: number, limit: number, now: Date, afterFailure: ReceiptFailurePolicy): Promise<KeptReceiptsApplied[]>;
  /**
   * The receipt reconciliation's claim (see UnconfirmedClaim): SENT deliveries whose receipt never
   * came and whose next status look-up is due, oldest sent first, each marked as looked up in the
   * same statement (receipt_checks + 1; the next look-up due `afterMs × 3^checks` from `now`) so
   * that no other replica takes it. No delivery event (no state changes).
   */
  claimUnconfirmed(now: Date, claim: UnconfirmedClaim): Promise<UnconfirmedDelivery[]>;
  /**
   * Gives back look-ups that got no answer (provider unreachable): receipt_checks − 1 and the next
   * look-up due at `at`, for the deliveries among `ids` still SENT with the same message id.
   */
  returnUnchecked(deliveries: readonly UnconfirmedDelivery[], at: Date): Promise<void>;
  delivery(id: string): Promise<DeliveryRecord | null>;
  attempts(deliveryId: string): Promise<AttemptRecord[]>;
  deliveriesOf(notificationId: string): Promise<DeliveryRecord[]>;
  list(filter: DeliveryFilter, limit: number, after?: { createdAt: Date; id: string }): Promise<DeliveryRecord[]>;
  /** Notifications matching `filter`, newest first (created_at, id), `limit` of them after `after` (keyset). */
  listNotifications(filter: NotificationFilter, limit: number, after?: { createdAt: Date; id: string }): Promise<NotificationRecord[]>;
  stats(since: Date): Promise<DeliveryStats>;
}

/** One recipient as the customer service resolved it (ResolveRecipients), proto-free. */
export interface ResolvedRecipient {
  kind: RecipientKind;
  id: string;
  name: string;
  channel: Channel;
  /** E.164 digits, or a group chat id (`…@g.us`). */
  address: string;
  locale: Locale;
  quietHours: StoredQuietHours | null;
  /** Template key to render for this recipient (routing rule), e.g. `ticket.created.disturbance`. */
  templateKey: string;
  /** Audience that matched (proto AudienceKind name without prefix), e.g. `CUSTOMER`. */
  audience: string;
  /** true: no SMS fallback for this WhatsApp recipient (its number opted out of SMS, or SMS is off in its preferences). */
  smsFallbackRefused?: boolean;
}

/**
 * Who a ticket's job offer reached, from the delivery log: the audience OFFERED_TECHNICIANS (the
 * customer service names the zone's technicians; routing rule ticket.cancelled →
 * technician.offer_cancelled) is narrowed to them, so a technician whose offer was withdrawn
 * unsent (quiet hours, the ticket cancelled first) is not told of a ticket they never heard of.
 */
export interface JobOfferLog {
  /**
   * Staff and group ids (UUIDs) that a job offer of `ticketId` (a `ticket.created` message to a
   * staff member or a group, or an API-sent TECHNICIAN_JOB_OFFER naming the ticket) went to:
   * accepted by a provider, or being sent now (SENDING). Empty when none. Database errors propagate.
   */
  offeredTo(ticketId: string): Promise<ReadonlySet<string>>;
}

/** The audiences (proto AudienceKind without prefix) that {@link JobOfferLog} narrows. */
export const OFFERED_AUDIENCES: ReadonlySet<string> = new Set(['OFFERED_TECHNICIANS', 'OFFERED_TECHNICIAN_GROUP']);

/** One page of ResolveRecipients. */
export interface RecipientPage {
  recipients: ResolvedRecipient[];
  leftOut: number;
  /** Who was left out and why (as many as `leftOut`, or fewer: absent = not known). */
  leftOutRecipients?: readonly LeftOutRecipient[];
  /**
   * Ids the query named that the directory does not know (left out as NOT_FOUND), e.g. a Notify
   * to an unknown group id; a strict ingest (Notify) fails with NotFoundError on them.
   */
  notFound?: readonly { kind: RecipientKind; id: string }[];
  /**
   * true: no page follows this one (ResolveRecipients gave no next page token), so the ingest
   * resolves the notification in this page's transaction; absent or false: not known.
   */
  last?: boolean;
}

/**
 * Who receives a notification (the customer service's ResolveRecipients, paged). `query` is
 * built by the transport layer (event mapper / gRPC handler) and passed through unchanged.
 * Errors: UnavailableError when the customer service is down (the caller retries later),
 * ValidationError / NotFoundError for a bad query.
 */
export interface RecipientDirectory {
  resolve(query: RecipientQuery, signal?: AbortSignal): AsyncIterable<RecipientPage>;
  /** A customer's display facts for template variables; null when unknown. */
  customer(id: string): Promise<{ id: string; name: string; phone: string; address: string; workZone: string; packageName: string; activatedAt?: Date | null } | null>;
  /** A staff member's display facts; null when unknown. */
  staff(id: string): Promise<{ id: string; name: string; phone: string } | null>;
}

/** Opaque ResolveRecipients request (a `customerv1.ResolveRecipientsRequest` without page). */
export interface RecipientQuery {
  readonly request: unknown;
}

/** A rendered message. */
export interface RenderedText {
  text: string;
  version: number;
  locale: Locale;
}

/** One message to render: the active version of (key, channel, locale) with `variables`. */
export interface RenderJob {
  key: string;
  channel: Channel;
  locale: Locale;
  /** Template variables (JSON-like object). */
  variables: Record<string, unknown>;
}

/**
 * The outcome of one RenderJob of a batch: the text, or why this job alone was not rendered
 * (NotFoundError: no such template for the channel; ValidationError: missing variables, naming
 * them, or a bad key).
 */
export type RenderOutcome = { ok: true; rendered: RenderedText } | { ok: false; error: NotFoundError | ValidationError };

/**
 * Renders templates (the template service's RenderTemplate and BatchRenderTemplates).
 * Errors of `render`: NotFoundError (no such template for the channel), ValidationError
 * (missing variables), UnavailableError / TimeoutError (the template service).
 */
export interface TemplateRenderer {
  /** One message (RenderTemplate). */
  render(key: string, channel: Channel, locale: Locale, variables: Record<string, unknown>): Promise<RenderedText>;
  /**
   * Any number of messages: `outcomes[i]` answers `jobs[i]`; a job's NotFoundError /
   * ValidationError is its outcome and does not fail the others. Rejects (nothing returned) with
   * UnavailableError / TimeoutError when the template service is down or slow.
   */
  renderBatch(jobs: readonly RenderJob[]): Promise<RenderOutcome[]>;
}

/** One active version of a template key: its channel and locale. */
export interface TemplateVariant {
  channel: Channel;
  locale: Locale;
}

/**
 * What the template service holds (its ListTemplates): the active versions of a key, so a
 * Broadcast naming a template nobody could be sent is refused before anything is stored.
 * Errors: UnavailableError / TimeoutError when the template service is down or slow.
 */
export interface TemplateCatalog {
  /** The active versions of exactly `key` (any channel, locale); empty when there is no such template. */
  variants(key: string): Promise<TemplateVariant[]>;
}
