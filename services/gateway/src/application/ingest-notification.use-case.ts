import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, NotFoundError, ValidationError } from '@notify/errors';
import type { Logger } from '@notify/logger';
import {
  allowsSmsFallback, deliveryIdempotencyKey, LEFT_OUT_RECIPIENTS_KEPT, type DeliveryRecord, type LeftOutRecipient, type NotificationRecord, type NotificationSource, type Priority,
} from '../domain';
import type {
  Clock, DeliveryStore, NewDelivery, RecipientDirectory, RecipientQuery, RenderJob, RenderOutcome, ResolvedRecipient, TemplateRenderer,
} from './ports';

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
  /** The invoice a payment reminder reminds of (its reminders are withdrawn once it is paid); absent for the others. */
  invoiceId?: string | null;
  actor: Record<string, unknown> | null;
  /** Template variables common to every recipient. */
  variables: Record<string, unknown>;
  /** Extra variables per recipient (e.g. `customer_name` = the recipient's name). */
  recipientVariables?: (r: ResolvedRecipient) => Record<string, unknown>;
  /**
   * Keeps only the resolved recipients this says yes to (the others were never meant to be told:
   * not counted as left out); absent = all. E.g. a cancelled unassigned ticket's OFFERED_TECHNICIANS narrowed to those its
   * job offer reached (JobOfferLog).
   */
  keep?: (r: ResolvedRecipient) => boolean;
  /** Recipients resolved by the customer service (paged), one query after the other. */
  queries?: readonly RecipientQuery[];
  /** Recipients given directly (bare phones). */
  direct?: readonly ResolvedRecipient[];
  /** Stored with the notification (Broadcast resumes from it after a restart). */
  request?: Record<string, unknown>;
  /**
   * Digest of the request's identifying fields (Notify; see requestFingerprint in the gRPC
   * handler), stored with the notification. A key already used with ANOTHER fingerprint is
   * AlreadyExistsError (see {@link IngestNotificationUseCase}); absent = not checked.
   */
  fingerprint?: string;
  /**
   * true (Notify): a missing template or missing variables fail the call (NotFoundError /
   * ValidationError) instead of leaving the recipient out, as does an id the query named that the
   * directory does not know (NotFoundError); every page is resolved and rendered before any is
   * inserted, so a call that fails has created no delivery. A key another call is still
   * resolving is waited for (see IngestOptions.resolvingWaitMs) instead of resumed.
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

/** What one page's insert gave: the rows created, and the notification when the page resolved it. */
interface PageResult {
  deliveries: DeliveryRecord[];
  notification: NotificationRecord | null;
}

/** One page ready to insert: its rows and how many of its recipients are left out (directory + rendering). */
interface PreparedPage {
  rows: NewDelivery[];
  leftOut: number;
  /** Who of `leftOut` is known by name: the directory's, then those whose text cannot be rendered. */
  leftOutRecipients: LeftOutRecipient[];
  /** The message of the page's first recipient left out because its text cannot be rendered, or null. */
  renderError: string | null;
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
  /**
   * A strict call (Notify) whose key another call is still resolving waits for it while the
   * notification is younger than this, ms (default 30 000, longer than a Notify takes), then
   * answers that call's outcome (RESOLVED: duplicate). An older RESOLVING notification is taken
   * for a crashed call's and resumed at once.
   */
  resolvingWaitMs?: number;
  /** How often that wait looks at the notification again, ms (default 50). */
  resolvingPollMs?: number;
}

/**
 * The pipeline's first half (ARCHITECTURE.md "The notification pipeline"): notification row
 * (unique idempotency key) → ResolveRecipients page by page → each page's texts rendered
 * together (key from the recipient's routing rule, per channel and locale; see `prepare`) → one
 * delivery row per (source, recipient, channel) inserted with ON CONFLICT DO NOTHING, each page in
 * one transaction with its `delivery.queued` events and a dispatcher wake-up (so the first
 * messages leave before the last page is resolved; memory holds one page), except for `strict`
 * (below).
 *
 * The last page (RecipientPage.last) is inserted together with the RESOLVED mark; a directory
 * that cannot tell the last page gets a separate, empty insertFinalPage after the loop.
 *
 * Idempotency: a key already used by a DIFFERENT request (`fingerprint` given and not the
 * stored one) is AlreadyExistsError, except that a corrected retry takes over the key of a
 * notification that FAILED without creating any delivery (its fields and fingerprint replaced);
 * a notification stored without a fingerprint (events, older rows) is not compared. Otherwise a
 * key already RESOLVED returns `duplicate: true` and creates nothing; a key
 * still RESOLVING (a crash or a redelivered event mid-way) resumes, and the deliveries' unique
 * key makes the pages already inserted no-ops. A strict call (Notify) that finds its key
 * RESOLVING first waits for the call resolving it (two concurrent Notify calls with one key: the
 * second waits and answers `duplicate: true`; see IngestOptions.resolvingWaitMs); a FAILED key
 * is resumed (a corrected retry).
 *
 * Strict (Notify) is all or nothing for its own checks: every page is resolved and rendered
 * first (holding the rows of the whole notification; a Notify lists them all in its response
 * anyway), and only then inserted page by page, the last with the RESOLVED mark; an unknown id
 * or a text that cannot be rendered anywhere fails the call before anything is inserted.
 *
 * Errors: UnavailableError / TimeoutError from the customer or template service propagate
 * (consumers nak and retry; nothing half-sent: rows are only created for rendered texts); a
 * strict call marks the notification FAILED on them too (so the caller's retry with the same key
 * resumes at once rather than waiting for it as for a call still running).
 * A recipient whose template is missing or lacks variables (or who has no template key) is left
 * out and counted (logged with the reason); the first such reason of the call (the
 * NotFoundError / ValidationError message, naming the template or the missing variables) is
 * stored as the notification's `error`, and when no delivery at all exists for the notification
 * it ends FAILED with that error instead of RESOLVED (insertFinalPage), so a Broadcast nobody
 * can be sent is not silently empty. With `strict` (Notify) instead, the call fails with
 * NotFoundError / ValidationError and the notification is marked FAILED (a retry with the same key resumes);
 * strict also fails with NotFoundError on an id the query named that the directory does not
 * know (a Notify to an unknown customer, staff or group id: proto "NOT_FOUND (unknown customer,
 * staff or group id)").
 * Rendering: one page = its distinct (key, channel, locale, variables) texts, each rendered
 * once (recipients with the same variables share one text), in BatchRenderTemplates calls of
 * at most 1000 (TemplateRenderer.renderBatch), or one RenderTemplate call when the page needs a
 * single text (an event to one recipient). There is no render cache across pages or
 * notifications any more (the former 60 s per-(key, channel, locale, variables) cache is gone:
 * the batch makes it unnecessary), so a new template version is used from the next page on.
 */
export class IngestNotificationUseCase {
  constructor(private readonly o: IngestOptions) {}

  async execute(req: IngestRequest): Promise<IngestResult> {
    const { store, clock } = this.o;
    const fields = {
      source: req.source,
      idempotencyKey: req.idempotencyKey,
      notificationType: req.notificationType,
      priority: req.priority,
      templateKey: req.templateKey ?? '',
      ticketId: req.ticketId,
      invoiceId: req.invoiceId ?? null,
      actor: req.actor,
      variables: Object.keys(req.variables).length > 0 ? req.variables : null,
      request: req.request ?? null,
      fingerprint: req.fingerprint ?? null,
    };
    const first = await store.createNotification(fields, clock());
    const { created } = first;
    let notification = first.notification;
    let ownsIt = false;
    if (!created && req.fingerprint && notification.fingerprint && notification.fingerprint !== req.fingerprint) {
      // The key was used for another request. A corrected retry of a call that FAILED without
      // creating anything takes the key over; anything else is refused.
      // The takeover sets it RESOLVING again (one conditional UPDATE): a third request racing it
      // finds it RESOLVING with another fingerprint and is refused.
      const adopted = notification.status === 'FAILED' && notification.deliveriesCreated === 0 ? await store.adoptFailedNotification(notification.id, fields) : null;
      if (!adopted) throw keyReused(req.idempotencyKey, notification);
      notification = adopted;
      ownsIt = true;
    }
    if (!created && !ownsIt && req.strict && notification.status === 'RESOLVING') notification = await this.settled(notification);
    if (!created && notification.status === 'RESOLVED') return { notification, deliveries: [], duplicate: true };
    const deliveries: DeliveryRecord[] = [];
    // Set when the last page was inserted with the RESOLVED / FAILED mark (insertFinalPage).
    let resolved: NotificationRecord | null = null;
    // The first reason a recipient of this call was left out because its text cannot be rendered.
    let renderError: string | null = null;
    try {
      const keep = (out: PageResult) => {
        if (req.collect !== false) deliveries.push(...out.deliveries);
        resolved = out.notification ?? resolved;
      };
      const insert = async (page: PreparedPage, final: boolean) => {
        renderError ??= page.renderError;
        keep(await this.insert(n, page, final, renderError));
      };
      const n = notification;
      const queries = req.queries ?? [];
      // Strict: pages are held until every page is resolved and rendered, then inserted.
      const held: PreparedPage[] = [];
      const stopIfAborted = () => {
        if (req.signal?.aborted) throw new ResolutionAbortedError(`resolution of ${n.id} stopped; it stays RESOLVING`);
      };
      if (req.direct && req.direct.length > 0) {
        const page = await this.prepare(n, req, req.direct, 0);
        if (req.strict) held.push(page);
        else await insert(page, queries.length === 0);
      }
      for (const [i, query] of queries.entries()) {
        for await (const page of this.o.directory.resolve(query)) {
          const unknown = page.notFound?.[0];
          if (req.strict && unknown) throw new NotFoundError(unknown.kind.toLowerCase(), unknown.id);
          // Those `keep` passes over were never meant to be told (not counted as left out).
          const kept = req.keep ? page.recipients.filter(req.keep) : page.recipients;
          const prepared = await this.prepare(n, req, kept, page.leftOut, page.leftOutRecipients);
          const final = i === queries.length - 1 && page.last === true;
          if (req.strict) held.push(prepared);
          else await insert(prepared, final);
          if (!final) stopIfAborted();
        }
      }
      for (const [i, page] of held.entries()) await insert(page, i === held.length - 1);
    } catch (err) {
      if (err instanceof ValidationError || err instanceof NotFoundError) {
        await store.finishNotification(notification.id, 'FAILED', clock(), err.message);
      } else if (req.strict && !(err instanceof ResolutionAbortedError)) {
        // A Notify that failed otherwise (a dependency down) is not left RESOLVING: a retry with the
        // same key resumes at once instead of waiting for a call that is over. Best effort: the
        // original error is what the caller gets.
        await store.finishNotification(notification.id, 'FAILED', clock(), err instanceof Error ? err.message : String(err)).catch(() => undefined);
      }
      throw err;
    }
    const done = resolved ?? (await store.insertFinalPage(notification.id, [], 0, clock(), renderError)).notification;
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
    /** The ticket the text is about (UUID), kept on the notification and the delivery: listed with the ticket's deliveries. */
    ticketId?: string | null;
    /** Who `to` is in the directory (kind, id, name on the delivery); absent = a bare phone. */
    recipient?: { kind: 'STAFF' | 'CUSTOMER'; id: string; name: string };
  }): Promise<IngestResult> {
    const { store, clock } = this.o;
    const { notification, created } = await store.createNotification(
      { source: 'NOTIFY', idempotencyKey: input.idempotencyKey, notificationType: input.notificationType, priority: input.priority, templateKey: '', ticketId: input.ticketId ?? null, actor: null, variables: null, request: null },
      clock(),
    );
    if (!created && notification.status === 'RESOLVED') return { notification, deliveries: [], duplicate: true };
    const row: NewDelivery = {
      idempotencyKey: deliveryIdempotencyKey(input.idempotencyKey, input.to, 'WHATSAPP'),
      notificationType: input.notificationType,
      ticketId: input.ticketId ?? null,
      sourceEventId: null,
      recipient: input.to,
      recipientKind: input.recipient?.kind ?? 'PHONE',
      recipientId: input.recipient?.id ?? null,
      recipientName: input.recipient?.name ?? '',
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
    const { deliveries, notification: done } = await store.insertFinalPage(notification.id, [row], 0, clock());
    return { notification: done, deliveries, duplicate: false };
  }

  /**
   * Waits while another call resolves `n` (strict callers; see IngestOptions.resolvingWaitMs):
   * polls the notification until it is no longer RESOLVING or is older than the wait, and returns
   * it as it then is (still RESOLVING = taken for a crashed call's, resumed by the caller).
   */
  private async settled(n: NotificationRecord): Promise<NotificationRecord> {
    const waitMs = this.o.resolvingWaitMs ?? 30_000;
    const pollMs = this.o.resolvingPollMs ?? 50;
    // Measured on the real clock from now (the injected clock may stand still in tests).
    const until = Date.now() + Math.min(waitMs, waitMs - (this.o.clock().getTime() - n.createdAt.getTime()));
    let current = n;
    while (current.status === 'RESOLVING' && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      current = (await this.o.store.notification(n.id)) ?? current;
    }
    return current;
  }

  /**
   * One page made ready: plans every recipient's texts (its message, and the SMS fallback text
   * for a WhatsApp recipient that is not a group when the priority allows a fallback and the
   * recipient does not refuse SMS — `smsFallbackRefused`: opted out of SMS or SMS switched off), renders
   * the page's distinct texts together (renderTexts) and builds the rows. Left out (counted with
   * the directory's `leftOut` and named after the directory's `leftOutRecipients` with the error's
   * message as the reason, logged): a recipient without a template key, or
   * whose template is missing (NotFoundError) or lacks variables (ValidationError); with
   * `req.strict` the first such recipient of the page (page order) fails the call with that
   * error instead; otherwise that first recipient's error message is the page's `renderError`.
   * A fallback text that cannot be rendered is only left empty (`fallbackBody`
   * null). UnavailableError / TimeoutError from the template service reject the page.
   */
  private async prepare(
    n: NotificationRecord, req: IngestRequest, recipients: readonly ResolvedRecipient[], leftOutByDirectory: number,
    leftOutByDirectoryNamed: readonly LeftOutRecipient[] = [],
  ): Promise<PreparedPage> {
    const plans = recipients.map((r) => this.plan(req, r));
    const texts = await this.renderTexts(plans.flatMap((p) => [...(p.message instanceof Error ? [] : [p.message]), ...(p.fallback ? [p.fallback] : [])]));
    const rows: NewDelivery[] = [];
    const leftOutRecipients = leftOutByDirectoryNamed.slice(0, LEFT_OUT_RECIPIENTS_KEPT);
    let renderError: string | null = null;
    for (const [i, plan] of plans.entries()) {
      const r = recipients[i]!;
      const row = this.build(n, req, r, plan, texts);
      if (row instanceof Error) {
        renderError ??= row.message;
        if (leftOutRecipients.length < LEFT_OUT_RECIPIENTS_KEPT) leftOutRecipients.push({
          kind: r.kind, id: r.id, address: r.kind === 'PHONE' ? r.address : '', name: r.name, reason: row.message, channel: r.channel,
        });
      } else rows.push(row);
    }
    return { rows, leftOut: leftOutByDirectory + (recipients.length - rows.length), leftOutRecipients, renderError };
  }

  /**
   * Inserts one prepared page in one transaction (with its `delivery.queued` events and a
   * dispatcher wake-up); `final` (the last page of the last query, or the direct recipients of a
   * request without queries) finishes the notification in that same transaction with the call's
   * first render error, if any (insertFinalPage: RESOLVED, or FAILED when no delivery exists).
   */
  private async insert(n: NotificationRecord, page: PreparedPage, final: boolean, renderError: string | null): Promise<PageResult> {
    if (final) return this.o.store.insertFinalPage(n.id, page.rows, page.leftOut, this.o.clock(), renderError, page.leftOutRecipients);
    return { deliveries: await this.o.store.insertDeliveries(n.id, page.rows, page.leftOut, this.o.clock(), page.leftOutRecipients), notification: null };
  }

  /** The texts one recipient needs: its message (or why it has none) and the SMS fallback text, if any. */
  private plan(req: IngestRequest, r: ResolvedRecipient): RecipientPlan {
    const key = req.templateKey || r.templateKey;
    if (!key) return { key, message: new ValidationError('template_key', 'no template key for this recipient'), fallback: null };
    const variables = { ...req.variables, ...(req.recipientVariables?.(r) ?? {}) };
    const withFallback = r.channel === 'WHATSAPP' && r.kind !== 'GROUP' && !r.smsFallbackRefused && allowsSmsFallback(req.priority, this.o.smsFallbackPriorities);
    return {
      key,
      message: { key, channel: r.channel, locale: r.locale, variables },
      fallback: withFallback ? { key, channel: 'SMS', locale: r.locale, variables } : null,
    };
  }

  /**
   * Renders each distinct job once (same key, channel, locale and variables = one text): one
   * RenderTemplate call for a single job, else TemplateRenderer.renderBatch (BatchRenderTemplates
   * in calls of at most 1000). Outcomes by textKey; rejects with the template service's
   * UnavailableError / TimeoutError.
   */
  private async renderTexts(jobs: readonly RenderJob[]): Promise<Map<string, RenderOutcome>> {
    const distinct = new Map<string, RenderJob>();
    for (const job of jobs) distinct.set(textKey(job), job);
    const keys = [...distinct.keys()];
    const unique = [...distinct.values()];
    let outcomes: RenderOutcome[];
    if (unique.length === 1) {
      const job = unique[0]!;
      outcomes = [
        await this.o.templates.render(job.key, job.channel, job.locale, job.variables).then(
          (rendered): RenderOutcome => ({ ok: true, rendered }),
          (err: unknown): RenderOutcome => {
            if (err instanceof ValidationError || err instanceof NotFoundError) return { ok: false, error: err };
            throw err;
          },
        ),
      ];
    } else {
      outcomes = unique.length === 0 ? [] : await this.o.templates.renderBatch(unique);
    }
    return new Map(keys.map((k, i) => [k, outcomes[i]!]));
  }

  /**
   * One recipient's delivery row from its rendered texts, or, when it is left out, the error that
   * left it out (NotFoundError / ValidationError, logged); throws that error instead when strict.
   */
  private build(
    n: NotificationRecord, req: IngestRequest, r: ResolvedRecipient, plan: RecipientPlan, texts: ReadonlyMap<string, RenderOutcome>,
  ): NewDelivery | ValidationError | NotFoundError {
    const outcome: RenderOutcome = plan.message instanceof Error ? { ok: false, error: plan.message } : texts.get(textKey(plan.message))!;
    if (!outcome.ok) {
      if (req.strict) throw outcome.error;
      this.o.logger.warn({ notification_id: n.id, template_key: plan.key, channel: r.channel, reason: outcome.error.message }, 'recipient left out: template cannot be rendered');
      return outcome.error;
    }
    const rendered = outcome.rendered;
    const fallbackOutcome = plan.fallback ? texts.get(textKey(plan.fallback)) : undefined;
    const fallback = fallbackOutcome?.ok ? fallbackOutcome.rendered : null;
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
      templateKey: plan.key,
      templateVersion: rendered.version,
      body: rendered.text,
      fallbackBody: fallback?.text ?? null,
      fallbackTemplateVersion: fallback?.version ?? null,
      quietHours: r.quietHours,
    };
  }
}

/** What one recipient needs rendered: its message (a ValidationError when it has no template key) and its SMS fallback text. */
interface RecipientPlan {
  key: string;
  message: RenderJob | ValidationError;
  fallback: RenderJob | null;
}

/** Identity of a text within a page: jobs with equal key, channel, locale and variables render the same text. */
const textKey = (job: RenderJob): string => `${job.key}\u0000${job.channel}\u0000${job.locale}\u0000${JSON.stringify(job.variables)}`;

/**
 * AlreadyExistsError (ALREADY_EXISTS) for an idempotency key already used by a different request
 * (another type, recipients, variables, caller…), naming the key and the notification it made.
 */
export function keyReused(key: string, n: Pick<NotificationRecord, 'id'>): AlreadyExistsError {
  return new AlreadyExistsError(`idempotency_key ${JSON.stringify(key)} was already used for a different request (notification ${n.id}); use a new key for a new request`);
}

/** A fresh idempotency key for messages that have no natural one (technician replies). */
export const freshKey = (prefix: string): string => `${prefix}:${randomUUID()}`;
