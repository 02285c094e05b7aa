import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '@notify/errors';
import type { Logger } from '@notify/logger';
import { allowsSmsFallback, deliveryIdempotencyKey, type DeliveryRecord, type NotificationRecord, type NotificationSource, type Priority } from '../domain';
import type { Clock, DeliveryStore, NewDelivery, RecipientDirectory, RecipientQuery, RenderedText, ResolvedRecipient, TemplateRenderer } from './ports';

/** A notification to resolve, render and enqueue (from an event, Notify or Broadcast). */
export interface IngestRequest {
  source: NotificationSource;
  /** Event id (events) or the caller's idempotency key (Notify / Broadcast). */
  idempotencyKey: string;
  sourceEventId: string | null;
  /** Notification type, proto name without prefix, e.g. `TICKET_CREATED`. */
  notificationType: string;
  priority: Priority;
  /** Template key for every recipient; empty = each recipient's routing-rule key. */
  templateKey?: string;
  ticketId: string | null;
  actor: Record<string, unknown> | null;
  /** Template variables common to every recipient. */
  variables: Record<string, unknown>;
  /** Extra variables per recipient (e.g. `customer_name` = the recipient's name). */
  recipientVariables?: (r: ResolvedRecipient) => Record<string, unknown>;
  /** Recipients resolved by the customer service (paged), one query after the other. */
  queries?: readonly RecipientQuery[];
  /** Recipients given directly (bare phones). */
  direct?: readonly ResolvedRecipient[];
  /** Stored with the notification (Broadcast resumes from it after a restart). */
  request?: Record<string, unknown>;
  /**
   * true (Notify): a missing template or missing variables fail the call (NotFoundError /
   * ValidationError) instead of leaving the recipient out.
   */
  strict?: boolean;
  /** false (Broadcast): do not keep the created deliveries in the result (memory stays flat). */
  collect?: boolean;
  /**
   * Stops resolution between pages (shutdown): execute rejects with `ResolutionAbortedError`, the
   * notification stays RESOLVING and is resumed later (the pages inserted so far are kept).
   */
  signal?: AbortSignal;
}

/** Resolution stopped by `IngestRequest.signal` (the notification stays RESOLVING). */
export class ResolutionAbortedError extends Error {
  override readonly name = 'ResolutionAbortedError';
}

export interface IngestResult {
  notification: NotificationRecord;
  /** Deliveries created by THIS call (empty for a duplicate). */
  deliveries: DeliveryRecord[];
  /** true when the idempotency key had already been resolved: nothing new was created. */
  duplicate: boolean;
}

export interface IngestOptions {
  store: DeliveryStore;
  directory: RecipientDirectory;
  templates: TemplateRenderer;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  clock: Clock;
  /** Priorities whose WhatsApp deliveries get an SMS text pre-rendered for the fallback. */
  smsFallbackPriorities: readonly Priority[];
  /** RenderTemplate calls in flight per page (default 16). */
  renderConcurrency?: number;
  /** Render cache entries (default 1000) and lifetime in ms (default 60 000). */
  cacheSize?: number;
  cacheTtlMs?: number;
}

/**
 * The pipeline's first half (ARCHITECTURE.md "The notification pipeline"): notification row
 * (unique idempotency key) → ResolveRecipients page by page → RenderTemplate per recipient
 * (key from the recipient's routing rule, per channel and locale) → one delivery row per
 * (source, recipient, channel) inserted with ON CONFLICT DO NOTHING, page by page, each page in
 * one transaction with its `delivery.queued` events and a dispatcher wake-up (so the first
 * messages leave before the last page is resolved; memory holds one page).
 *
 * Idempotency: a key already RESOLVED returns `duplicate: true` and creates nothing; a key
 * still RESOLVING (a crash or a redelivered event mid-way) resumes, and the deliveries' unique
 * key makes the pages already inserted no-ops.
 *
 * Errors: UnavailableError / TimeoutError from the customer or template service propagate
 * (consumers nak and retry; nothing half-sent: rows are only created for rendered texts).
 * A recipient whose template is missing or lacks variables is left out and counted (logged
 * with the reason), unless `strict` (Notify), where the call fails with NotFoundError /
 * ValidationError and the notification is marked FAILED (a retry with the same key resumes);
 * strict also fails with NotFoundError on an id the query named that the directory does not
 * know (a Notify to an unknown customer, staff or group id: proto "NOT_FOUND (unknown customer,
 * staff or group id)").
 * Render results are cached per (key, channel, locale, variables) for `cacheTtlMs`: safe
 * because the same variables give the same text for one template version, and a new version
 * only takes effect after the TTL.
 */
export class IngestNotificationUseCase {
  private readonly cache = new Map<string, { at: number; value: RenderedText }>();

  constructor(private readonly o: IngestOptions) {}

  async execute(req: IngestRequest): Promise<IngestResult> {
    const { store, clock } = this.o;
    const { notification, created } = await store.createNotification(
      {
        source: req.source,
        idempotencyKey: req.idempotencyKey,
        notificationType: req.notificationType,
        priority: req.priority,
        templateKey: req.templateKey ?? '',
        ticketId: req.ticketId,
        actor: req.actor,
        variables: Object.keys(req.variables).length > 0 ? req.variables : null,
        request: req.request ?? null,
      },
      clock(),
    );
    if (!created && notification.status === 'RESOLVED') return { notification, deliveries: [], duplicate: true };
    const deliveries: DeliveryRecord[] = [];
    try {
      const keep = (rows: DeliveryRecord[]) => {
        if (req.collect !== false) deliveries.push(...rows);
      };
      if (req.direct && req.direct.length > 0) keep(await this.page(notification, req, req.direct, 0));
      for (const query of req.queries ?? []) {
        for await (const page of this.o.directory.resolve(query)) {
          const unknown = page.notFound?.[0];
          if (req.strict && unknown) throw new NotFoundError(unknown.kind.toLowerCase(), unknown.id);
          keep(await this.page(notification, req, page.recipients, page.leftOut));
          if (req.signal?.aborted) throw new ResolutionAbortedError(`resolution of ${notification.id} stopped; it stays RESOLVING`);
        }
      }
    } catch (err) {
      if (err instanceof ValidationError || err instanceof NotFoundError) {
        await store.finishNotification(notification.id, 'FAILED', clock(), err.message);
      }
      throw err;
    }
    const done = await store.finishNotification(notification.id, 'RESOLVED', clock());
    return { notification: done, deliveries, duplicate: false };
  }

  /**
   * Enqueues one ready-made text (no template) to one address, e.g. the reply to a technician.
   * `pinnedProvider` = send only through that provider (the WhatsApp number the person wrote to).
   */
  async enqueueText(input: {
    idempotencyKey: string;
    notificationType: string;
    priority: Priority;
    to: string;
    text: string;
    pinnedProvider?: string;
  }): Promise<IngestResult> {
    const { store, clock } = this.o;
    const { notification, created } = await store.createNotification(
      { source: 'NOTIFY', idempotencyKey: input.idempotencyKey, notificationType: input.notificationType, priority: input.priority, templateKey: '', ticketId: null, actor: null, variables: null, request: null },
      clock(),
    );
    if (!created && notification.status === 'RESOLVED') return { notification, deliveries: [], duplicate: true };
    const row: NewDelivery = {
      idempotencyKey: deliveryIdempotencyKey(input.idempotencyKey, input.to, 'WHATSAPP'),
      notificationType: input.notificationType,
      ticketId: null,
      sourceEventId: null,
      recipient: input.to,
      recipientKind: 'PHONE',
      recipientId: null,
      recipientName: '',
      channel: 'WHATSAPP',
      priority: input.priority,
      locale: 'ID',
      templateKey: '',
      templateVersion: 0,
      body: input.text,
      fallbackBody: null,
      fallbackTemplateVersion: null,
      quietHours: null,
      ...(input.pinnedProvider ? { pinnedProvider: input.pinnedProvider } : {}),
    };
    const deliveries = await store.insertDeliveries(notification.id, [row], 0, clock());
    const done = await store.finishNotification(notification.id, 'RESOLVED', clock());
    return { notification: done, deliveries, duplicate: false };
  }

  private async page(n: NotificationRecord, req: IngestRequest, recipients: readonly ResolvedRecipient[], leftOutByDirectory: number): Promise<DeliveryRecord[]> {
    // Render up to `renderConcurrency` recipients at once (one RenderTemplate call each unless cached).
    const built = await mapConcurrent(recipients, this.o.renderConcurrency ?? 16, (r) => this.build(n, req, r));
    const rows = built.filter((r): r is NewDelivery => r !== null);
    const leftOut = leftOutByDirectory + (built.length - rows.length);
    return this.o.store.insertDeliveries(n.id, rows, leftOut, this.o.clock());
  }

  /** One recipient's delivery row, or null when it is left out (template missing / variables missing). */
  private async build(n: NotificationRecord, req: IngestRequest, r: ResolvedRecipient): Promise<NewDelivery | null> {
    const key = req.templateKey || r.templateKey;
    const variables = { ...req.variables, ...(req.recipientVariables?.(r) ?? {}) };
    let rendered: RenderedText;
    try {
      if (!key) throw new ValidationError('template_key', 'no template key for this recipient');
      rendered = await this.render(key, r.channel, r.locale, variables);
    } catch (err) {
      if (!(err instanceof ValidationError || err instanceof NotFoundError)) throw err;
      if (req.strict) throw err;
      this.o.logger.warn({ notification_id: n.id, template_key: key, channel: r.channel, reason: err.message }, 'recipient left out: template cannot be rendered');
      return null;
    }
    let fallback: RenderedText | null = null;
    if (r.channel === 'WHATSAPP' && r.kind !== 'GROUP' && allowsSmsFallback(req.priority, this.o.smsFallbackPriorities)) {
      fallback = await this.render(key, 'SMS', r.locale, variables).catch((err: unknown) => {
        if (err instanceof ValidationError || err instanceof NotFoundError) return null;
        throw err;
      });
    }
    return {
      idempotencyKey: deliveryIdempotencyKey(req.idempotencyKey, r.address, r.channel),
      notificationType: req.notificationType,
      ticketId: req.ticketId,
      sourceEventId: req.sourceEventId,
      recipient: r.address,
      recipientKind: r.kind,
      recipientId: r.id || null,
      recipientName: r.name,
      channel: r.channel,
      priority: req.priority,
      locale: rendered.locale,
      templateKey: key,
      templateVersion: rendered.version,
      body: rendered.text,
      fallbackBody: fallback?.text ?? null,
      fallbackTemplateVersion: fallback?.version ?? null,
      quietHours: r.quietHours,
    };
  }

  private async render(key: string, channel: ResolvedRecipient['channel'], locale: ResolvedRecipient['locale'], variables: Record<string, unknown>): Promise<RenderedText> {
    const ttl = this.o.cacheTtlMs ?? 60_000;
    const cacheKey = `${key}\u0000${channel}\u0000${locale}\u0000${JSON.stringify(variables)}`;
    const now = Date.now();
    const hit = this.cache.get(cacheKey);
    if (hit && now - hit.at < ttl) return hit.value;
    const value = await this.o.templates.render(key, channel, locale, variables);
    this.cache.set(cacheKey, { at: now, value });
    if (this.cache.size > (this.o.cacheSize ?? 1000)) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }
}

/** Maps `items` with at most `limit` calls of `fn` at once, keeping the order; the first rejection rejects. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A fresh idempotency key for messages that have no natural one (technician replies). */
export const freshKey = (prefix: string): string => `${prefix}:${randomUUID()}`;
