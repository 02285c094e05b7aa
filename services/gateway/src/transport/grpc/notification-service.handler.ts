import { createHash } from 'node:crypto';
import { NotFoundError, PermissionDeniedError, ValidationError } from '@notify/errors';
import { checkActor, isUuid, knownEnum, requireUuid, serverStream, timeRangeFromProto, timestampFromProto, unary, type CallContext } from '@notify/grpc-kit';
import { decodePageToken, encodePageToken, resolvePageSize } from '@notify/paging';
import { commonv1, defaultPriority, gatewayv1, mayRoleSend, type customerv1, type ticketv1 } from '@notify/proto';
import { normalizeWorkZone } from '@notify/work-zone';
import {
  keyReused,
  type Clock, type DeliveryFilter, type DeliveryStore, type NotificationFilter, type IngestNotificationUseCase, type IngestRequest, type RecipientDirectory, type ResolvedRecipient,
  type RenderJob, type RenderOutcome, type TemplateCatalog, type TemplateRenderer,
} from '../../application';
import { ticketContext, ticketVariables, type TemplateFacts } from '../messaging/event-notification.mapper';
import { normalizePhone, normalizeRecipientPhone, successRatePercent, titleCase, type Channel, type DeliveryChange, type DeliveryStatus } from '../../domain';
import { audienceQueries } from '../../infrastructure/clients/grpc-recipient.directory';
import type { ProviderChains } from '../../infrastructure/providers';
import {
  channelFromProto, deliveryEventToProto, deliveryToProto, notificationToProto, priorityFromProto, providerFromProto, providerToProto,
  requiredTypeFromProto, statusFromProto, statusToProto, typeFromProto, typeToProto,
} from '../proto/delivery.proto-mapper';

const NT = commonv1.NotificationType;

/** Default template key per API-triggered type (TEMPLATES.md); others use the routing rule's key. */
const DEFAULT_TEMPLATE: Partial<Record<commonv1.NotificationType, string>> = {
  [NT.NOTIFICATION_TYPE_WELCOME]: 'customer.welcome',
  [NT.NOTIFICATION_TYPE_CUSTOMER_ACTIVATED]: 'customer.welcome',
  [NT.NOTIFICATION_TYPE_SATISFACTION_SURVEY]: 'survey.satisfaction',
  [NT.NOTIFICATION_TYPE_MAINTENANCE]: 'maintenance.notice',
  [NT.NOTIFICATION_TYPE_EMERGENCY_ALERT]: 'emergency.alert',
  [NT.NOTIFICATION_TYPE_UPGRADE_OFFER]: 'upgrade.offer',
  [NT.NOTIFICATION_TYPE_PROMOTION]: 'promotion.campaign',
  [NT.NOTIFICATION_TYPE_INSTALLATION_SCHEDULE]: 'installation.schedule',
  [NT.NOTIFICATION_TYPE_PAYMENT_REMINDER]: 'payment.reminder',
  [NT.NOTIFICATION_TYPE_PAYMENT_RECEIVED]: 'payment.received',
  [NT.NOTIFICATION_TYPE_DAILY_SUMMARY]: 'summary.daily',
  [NT.NOTIFICATION_TYPE_WEEKLY_PERFORMANCE]: 'technician.weekly_performance',
  [NT.NOTIFICATION_TYPE_SLA_WARNING]: 'sla.warning',
  [NT.NOTIFICATION_TYPE_REGISTRATION_CONFIRMATION]: 'customer.registration_confirmation',
  [NT.NOTIFICATION_TYPE_SYSTEM_ALERT]: 'system.alert',
};

function checkTypeRole(ctx: CallContext, type: commonv1.NotificationType): void {
  const role = ctx.principal.role;
  // The seeds' table (NOTIFICATION_TYPE_ROLES in @notify/proto, shared with the scheduler's campaigns).
  if (!mayRoleSend(role, type)) {
    throw new PermissionDeniedError(`role ${role} may not send ${typeFromProto(type)} notifications`);
  }
}

const AK = commonv1.AudienceKind;
const STAFF_ROLES = new Set<commonv1.Role>([
  commonv1.Role.ROLE_ADMIN, commonv1.Role.ROLE_MANAGER, commonv1.Role.ROLE_SUPERVISOR, commonv1.Role.ROLE_NOC,
  commonv1.Role.ROLE_CUSTOMER_SERVICE, commonv1.Role.ROLE_TECHNICIAN,
]);

/**
 * Checks each audience has a kind and the parameter it cannot do without (proto
 * notify.common.v1.Audience), so a Broadcast is refused at once instead of failing in the
 * background: AREA_CUSTOMERS, ZONE_TECHNICIANS, ZONE_TECHNICIAN_GROUP need work_zone (or the
 * context's: a Notify's work_zone, its ticket's zone), GROUP group_id, STAFF_ROLES staff roles
 * (not SERVICE / UNSPECIFIED), CUSTOMER customer_id (or the context's customer: a Notify's
 * ticket's), ASSIGNED_TECHNICIAN staff_id (or the context's technician: a Notify's ticket's
 * assigned technician; each id a UUID: one that is not cannot exist, QA: a Broadcast to group
 * "x" ended RESOLVED having reached nobody), PHONE a valid phone; an audience's work_zone, of
 * any kind, must be a work zone key (@notify/work-zone's normalizeWorkZone, the rule the customer service reads it by; QA: `at
 * lan/tis` was accepted and failed in the background). ValidationError (INVALID_ARGUMENT)
 * naming the field, e.g. `audiences[1].group_id`. The customer service checks the same again.
 */
export function checkAudiences(audiences: readonly commonv1.Audience[], field: (i: number) => string, context: AudienceContext = {}): void {
  audiences.forEach((a, i) => {
    const f = (name: string) => `${field(i)}.${name}`;
    if (a.workZone.trim()) normalizeWorkZone(a.workZone, f('work_zone'));
    const zone = a.workZone.trim() || (context.workZone ?? '').trim();
    switch (a.kind) {
      case AK.AUDIENCE_KIND_AREA_CUSTOMERS:
      case AK.AUDIENCE_KIND_ZONE_TECHNICIANS:
      case AK.AUDIENCE_KIND_ZONE_TECHNICIAN_GROUP:
        if (!zone && !context.pending) throw new ValidationError(f('work_zone'), `${commonv1.audienceKindToJSON(a.kind)} needs a work zone`);
        return;
      case AK.AUDIENCE_KIND_GROUP:
        if (!a.groupId.trim()) throw new ValidationError(f('group_id'), 'AUDIENCE_KIND_GROUP needs a group id');
        requireUuid(a.groupId, f('group_id'));
        return;
      case AK.AUDIENCE_KIND_STAFF_ROLES: {
        if (a.roles.length === 0) throw new ValidationError(f('roles'), 'AUDIENCE_KIND_STAFF_ROLES needs at least one staff role');
        const bad = a.roles.find((r) => !STAFF_ROLES.has(r));
        if (bad !== undefined) throw new ValidationError(f('roles'), `must be staff roles (ROLE_ADMIN … ROLE_TECHNICIAN), got ${enumLabel(bad, commonv1.roleToJSON)}`);
        return;
      }
      case AK.AUDIENCE_KIND_CUSTOMER:
        if (!a.customerId.trim()) {
          if (context.customerId || context.pending) return;
          throw new ValidationError(f('customer_id'), `AUDIENCE_KIND_CUSTOMER needs a customer id${context.ticket ? ` (ticket ${context.ticket} has no customer)` : ''}`);
        }
        requireUuid(a.customerId, f('customer_id'));
        return;
      case AK.AUDIENCE_KIND_ASSIGNED_TECHNICIAN:
        if (!a.staffId.trim()) {
          if (context.technicianId || context.pending) return;
          throw new ValidationError(f('staff_id'), `AUDIENCE_KIND_ASSIGNED_TECHNICIAN needs a staff id${context.ticket ? ` (ticket ${context.ticket} has no technician assigned)` : ''}`);
        }
        requireUuid(a.staffId, f('staff_id'));
        return;
      case AK.AUDIENCE_KIND_PHONE:
        normalizeRecipientPhone(a.phone ?? '', f('phone'));
        return;
      case AK.AUDIENCE_KIND_UNSPECIFIED:
        throw new ValidationError(f('kind'), 'is required');
      default:
        if (commonv1.audienceKindToJSON(a.kind) === 'UNRECOGNIZED') throw new ValidationError(f('kind'), `unknown audience kind ${a.kind}`);
    }
  });
}

/**
 * What an audience may take from its request instead of its own parameters (proto
 * common.v1.AudienceKind "in context"): a Notify's work_zone, its ticket's zone, customer and
 * assigned technician (`ticket`: the ticket's number or id, named when it lacks one of them).
 */
export interface AudienceContext {
  workZone?: string;
  customerId?: string;
  technicianId?: string;
  ticket?: string;
  /** A ticket not looked up yet may give the customer, technician and zone: not required now. */
  pending?: boolean;
}

/** An enum value's proto name, or its number when the enum has no such value. */
const enumLabel = (value: number, toJSON: (v: number) => string): string => {
  const name = toJSON(value);
  return name === 'UNRECOGNIZED' ? String(value) : name;
};

/** Notify / Broadcast `channels`: each CHANNEL_WHATSAPP or CHANNEL_SMS (ValidationError naming `channels[i]`). */
export function checkChannels(channels: readonly commonv1.Channel[]): void {
  channels.forEach((ch, i) => {
    if (ch !== commonv1.Channel.CHANNEL_WHATSAPP && ch !== commonv1.Channel.CHANNEL_SMS) {
      throw new ValidationError(`channels[${i}]`, `must be CHANNEL_WHATSAPP or CHANNEL_SMS, got ${enumLabel(ch, commonv1.channelToJSON)}`);
    }
  });
}

/**
 * What Notify and Broadcast check of a request before anything else, without asking any other
 * service: the notification type (required, known, not REPLY), the priority (a known value; UNSPECIFIED =
 * the type's default), the channels and the actor's kind and role (known values). ValidationError
 * naming the field.
 */
function checkSendRequest(r: { notificationType: commonv1.NotificationType; priority: commonv1.Priority; channels: readonly commonv1.Channel[]; actor?: commonv1.Actor | undefined }): void {
  requiredTypeFromProto(r.notificationType);
  if (r.notificationType === NT.NOTIFICATION_TYPE_REPLY) {
    throw new ValidationError('notification_type', "REPLY is the gateway's own answers to inbound messages; give the type of what you send (e.g. INSTALLATION_SCHEDULE, MAINTENANCE)");
  }
  knownEnum(r.priority, commonv1.Priority, 'priority');
  checkChannels(r.channels);
  checkActor(r.actor);
}


/** Audience kinds whose recipients are customers: a Broadcast fills in their `customer_name` (recipientVariables). */
const CUSTOMER_AUDIENCES = new Set<commonv1.AudienceKind>([AK.AUDIENCE_KIND_CUSTOMER, AK.AUDIENCE_KIND_AREA_CUSTOMERS, AK.AUDIENCE_KIND_ALL_CUSTOMERS]);

/** Audience kinds resolved to WhatsApp groups: reached on WhatsApp whatever the channels (the customer service's GROUP_AUDIENCES). */
const GROUP_AUDIENCES = new Set<commonv1.AudienceKind>([
  AK.AUDIENCE_KIND_GROUP, AK.AUDIENCE_KIND_ZONE_TECHNICIAN_GROUP, AK.AUDIENCE_KIND_SUPERVISOR_GROUP, AK.AUDIENCE_KIND_MANAGEMENT_GROUP,
  AK.AUDIENCE_KIND_NOC_GROUP, AK.AUDIENCE_KIND_CUSTOMER_SERVICE_GROUP, AK.AUDIENCE_KIND_ALL_GROUPS, AK.AUDIENCE_KIND_OFFERED_TECHNICIAN_GROUP,
]);

/** A stand-in for what a Broadcast fills in per customer recipient ({@link customerName}), for the trial render. */
const CUSTOMER_RECIPIENT_SAMPLE: Readonly<Record<string, unknown>> = Object.freeze({ customer_name: 'Pelanggan' });

/** The variable names of the template service's `missing variables: a, b` message (none for another message). */
function missingVariables(message: string): string[] {
  const m = /missing variables?: (.+)$/.exec(message);
  return m ? m[1]!.split(',').map((v) => v.trim()).filter((v) => v !== '') : [];
}

/** What Broadcast's up-front template check asks the template service: its catalogue and a (batch) render. */
export type BroadcastTemplates = TemplateCatalog & Pick<TemplateRenderer, 'renderBatch'>;

/**
 * A Broadcast's template against the template service, before anything is stored (the type's
 * default key when none is given; nothing to check when the routing rules choose it), as
 * ScheduleCampaign checks a campaign's:
 * 1. ValidationError `template_key` when no active template has that key, `channels` when it
 *    has no version on any of the requested channels (default WhatsApp) or, for group-only
 *    audiences, on WhatsApp: every recipient would be left out and the Broadcast end FAILED;
 * 2. a trial render (BatchRenderTemplates) of every active version the audiences are reached on,
 *    per recipient class as the gateway will render it: customers (CUSTOMER, AREA_CUSTOMERS,
 *    ALL_CUSTOMERS) with the caller's variables and the `customer_name` the gateway fills in per
 *    recipient, groups on WhatsApp only, the others with the caller's variables alone.
 *    ValidationError `variables` naming every variable the caller must give that is missing
 *    (`missing variables: maintenance_type, start_at (template maintenance.notice, WHATSAPP/ID)`,
 *    QA: such a Broadcast was OK, then FAILED with no delivery), or the template service's
 *    reason for a value it cannot render; and, when no version renders for any class, naming the
 *    variable only customers get filled in (`customer_name` to groups or staff only: nobody
 *    could be sent it). A per-recipient variable missing for some classes only (e.g.
 *    `customer_name` for the staff of an area-plus-staff Broadcast) is not the caller's to give:
 *    those recipients are left out and the notification's `error` says why, as before.
 * The template service down or slow: not checked (the background resolution renders, and
 * retries, as before).
 */
async function checkBroadcastTemplate(
  catalog: BroadcastTemplates, key: string, channels: readonly commonv1.Channel[], audiences: readonly commonv1.Audience[], variables: Record<string, unknown>,
): Promise<void> {
  let variants;
  try {
    variants = await catalog.variants(key);
  } catch (err) {
    // A key the template service refuses to look up (not lower-case letters, digits, _ and .) names no template.
    if (err instanceof ValidationError) throw new ValidationError('template_key', `unknown template key ${JSON.stringify(key)} (${err.message})`);
    return;
  }
  if (variants.length === 0) throw new ValidationError('template_key', `unknown template key ${JSON.stringify(key)}`);
  const wanted: Channel[] = channels.length > 0 ? [...new Set(channels.map((c): Channel => (c === commonv1.Channel.CHANNEL_SMS ? 'SMS' : 'WHATSAPP')))] : ['WHATSAPP'];
  const has = [...new Set(variants.map((v) => v.channel))];
  if (!variants.some((v) => wanted.includes(v.channel))) {
    throw new ValidationError('channels', `template ${key} has no version for ${wanted.join(', ')} (only ${has.join(', ')}); nobody could be sent it`);
  }
  const jobs = new Map<string, RenderJob>();
  for (const a of audiences) {
    const customer = CUSTOMER_AUDIENCES.has(a.kind);
    const reached: Channel[] = GROUP_AUDIENCES.has(a.kind) ? ['WHATSAPP'] : wanted;
    const vars = customer ? { ...variables, ...CUSTOMER_RECIPIENT_SAMPLE } : variables;
    for (const v of variants) {
      if (reached.includes(v.channel)) jobs.set(`${customer}|${v.channel}|${v.locale}`, { key, channel: v.channel, locale: v.locale, variables: vars });
    }
  }
  if (jobs.size === 0) throw new ValidationError('channels', `template ${key} has no WHATSAPP version (only ${has.join(', ')}) and groups get WhatsApp only; nobody could be sent it`);
  const trials = [...jobs.values()];
  let outcomes: RenderOutcome[];
  try {
    outcomes = await catalog.renderBatch(trials);
  } catch {
    return;
  }
  const missing = new Set<string>();
  const missingAt = new Set<string>();
  const perRecipient = new Set<string>();
  let other: string | null = null;
  let rendered = 0;
  outcomes.forEach((o, i) => {
    if (o.ok) {
      rendered += 1;
      return;
    }
    if (!(o.error instanceof ValidationError)) return; // a version listed a moment ago and gone now: not rendered
    const at = `${trials[i]!.channel}/${trials[i]!.locale}`;
    const names = missingVariables(o.error.message);
    for (const name of names) {
      if (name in CUSTOMER_RECIPIENT_SAMPLE) perRecipient.add(name);
      else {
        missing.add(name);
        missingAt.add(at);
      }
    }
    // The template service's message names its field already (`variables: a value in …`): not twice.
    if (names.length === 0) other ??= `${o.error.message.replace(/^variables: /, '')} (template ${key}, ${at})`;
  });
  if (missing.size > 0) {
    throw new ValidationError('variables', `missing ${missing.size === 1 ? 'variable' : 'variables'}: ${[...missing].join(', ')} (template ${key}, ${[...missingAt].join(', ')})`);
  }
  if (other) throw new ValidationError('variables', other);
  if (rendered === 0 && perRecipient.size > 0) {
    throw new ValidationError('variables', `missing ${[...perRecipient].join(', ')} (template ${key}): filled in per recipient only for customer audiences; nobody in these audiences could be sent it`);
  }
  if (rendered === 0) throw new ValidationError('template_key', `template ${key} cannot be found for ${trials.map((t) => `${t.channel}/${t.locale}`).join(', ')}`);
}

/** Notify / Broadcast `idempotency_key`: 1..200 characters (ValidationError `is required` / `is longer than 200 characters`). */
function checkKey(key: string): void {
  if (!key) throw new ValidationError('idempotency_key', 'is required (1..200 characters)');
  if (key.length > 200) throw new ValidationError('idempotency_key', `is longer than 200 characters (${key.length})`);
}

/**
 * An optional id parameter (ticket_id, notification_id): '' stays '' (not given); otherwise it
 * must be a UUID (ValidationError → INVALID_ARGUMENT naming `field`), returned lower-case as the
 * services store ids. A ticket NUMBER (GGN-…) is refused: deliveries store the ticket's id.
 */
function optionalId(value: string, field: string): string {
  const v = value.trim();
  if (v === '') return '';
  if (!isUuid(v)) throw new ValidationError(field, `must be a UUID${field === 'ticket_id' ? ' (the ticket id; look a ticket number up with the ticket service first)' : ''}`);
  return v.toLowerCase();
}

/**
 * ListDeliveries' page token (`{c: created_at ISO, i: delivery id}` and the filters' fingerprint,
 * as encodePageToken wrote it with `filters`) → the keyset position. ValidationError(`page_token`)
 * (INVALID_ARGUMENT, proto "bad page token") when it does not decode, was issued for other
 * `filters` (or without any: "was issued for different filters"; such a token would silently
 * skip or repeat rows), or decodes to a date that is not a time between 1970 and 9999 or an id
 * that is not a UUID: a crafted token never reaches Postgres (which would answer INTERNAL).
 */
export function decodeDeliveryPageToken(token: string, filters?: DeliveryFilter | NotificationFilter): { createdAt: Date; id: string } {
  const { c, i } = decodePageToken(token, ['c', 'i'] as const, filters);
  const createdAt = new Date(c);
  const t = createdAt.getTime();
  if (!/^\d{4}-\d{2}-\d{2}T/.test(c) || Number.isNaN(t) || t < 0 || createdAt.getUTCFullYear() > 9999 || !isUuid(i)) {
    throw new ValidationError('page_token', 'is not a valid page token');
  }
  return { createdAt, id: i };
}

/**
 * One keyset page, newest first (created_at, id): the page's rows (`read` is asked for one more
 * than the page size, to know whether another page follows) and the token of the next page
 * (bound to `filter`; '' on the last page). ValidationError(`page_token`) for a bad token or one
 * issued for other filters.
 */
async function keysetPage<T extends { createdAt: Date; id: string }>(
  request: commonv1.PageRequest | undefined,
  filter: DeliveryFilter | NotificationFilter,
  read: (after: { createdAt: Date; id: string } | undefined, limit: number) => Promise<T[]>,
): Promise<{ page: T[]; nextPageToken: string }> {
  const size = resolvePageSize(request?.pageSize);
  const after = request?.pageToken ? decodeDeliveryPageToken(request.pageToken, filter) : undefined;
  const rows = await read(after, size + 1);
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return { page, nextPageToken: rows.length > size && last ? encodePageToken({ c: last.createdAt.toISOString(), i: last.id }, filter) : '' };
}

/** `value` as JSON with every object's keys sorted and `undefined` members left out (arrays keep their order). */
function canonicalJson(value: unknown): string {
  const canon = (v: unknown): unknown => {
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) if ((v as Record<string, unknown>)[k] !== undefined) out[k] = canon((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(canon(value));
}

/**
 * The fingerprint of a Notify or Broadcast request, stored with its notification: sha-256 (hex)
 * of the canonical JSON of its identifying fields — the RPC, the caller (API key id), the type,
 * the priority and template key as resolved, the channels (in order), the recipients (Notify: the
 * addressees as audiences, phones normalized) or audiences, the caller's variables (not those the
 * gateway fills in), the ticket id, the work zone and the actor. Object key order does not
 * matter; list order does. A repeated key with another fingerprint is ALREADY_EXISTS.
 */
export function requestFingerprint(fields: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}

/** A source of committed delivery changes (in-process; see WatchDeliveries). Returns an unsubscribe function. */
export type DeliveryFeed = (listener: (changes: readonly DeliveryChange[]) => void) => () => void;

export interface NotificationHandlerDeps {
  store: DeliveryStore;
  ingest: IngestNotificationUseCase;
  chains: ProviderChains;
  feed: DeliveryFeed;
  clock: Clock;
  /** Runs a Broadcast's resolution in the background (tracked for shutdown; `signal` aborts it between pages). */
  background: (task: (signal: AbortSignal) => Promise<unknown>) => void;
  /**
   * What Notify fills in itself (see {@link notifyVariables}): a ticket by id (the ticket
   * service's GetTicket; null when unknown), the customers' and staff members' display facts
   * (the cached directory) and the template facts (portal URL, support phone, system name).
   * Absent: Notify uses the caller's variables only.
   */
  enrich?: {
    ticket(id: string): Promise<ticketv1.Ticket | null>;
    directory: RecipientDirectory;
    facts: TemplateFacts;
  };
  /** The template service (catalogue and trial render), for Broadcast's up-front template check; absent: not checked. */
  catalog?: BroadcastTemplates;
}

/**
 * The variables a Notify gets without the caller spelling them out — the seeds' API endpoints
 * take only ids (whatsapp-notification-system-complete.md "API ENDPOINTS": `POST
 * /survey/:ticketId`, `POST /welcome/:customerId`, `POST /upgrade-offer/:customerId`):
 * - with `ticket_id`, the ticket's variables (ticket_number, technician_name, customer_name,
 *   description, address, zone, …: the same as its lifecycle messages);
 * - per customer addressee, that customer's customer_id, customer_name, package_name (also as
 *   current_package), address, zone and activated_at.
 * The caller's variables win over both. `ticket` is the Notify's ticket as the handler looked
 * it up (null without ticket_id); the customer service unavailable is UNAVAILABLE.
 */
async function notifyVariables(
  enrich: NonNullable<NotificationHandlerDeps['enrich']>,
  ticket: ticketv1.Ticket | null,
  customerIds: readonly string[],
  given: Record<string, unknown>,
): Promise<{ variables: Record<string, unknown>; perCustomer: Map<string, Record<string, unknown>> }> {
  const base = ticket ? await ticketVariables(ticket, enrich.directory, enrich.facts) : {};
  const perCustomer = new Map<string, Record<string, unknown>>();
  const ids = [...new Set(customerIds.map((id) => id.trim()))];
  const found: Array<Awaited<ReturnType<RecipientDirectory['customer']>>> = [];
  for (let i = 0; i < ids.length; i += 16) found.push(...(await Promise.all(ids.slice(i, i + 16).map((id) => enrich.directory.customer(id)))));
  for (const c of found) {
    if (!c) continue;
    const vars: Record<string, unknown> = {
      customer_id: c.id, customer_name: c.name, package_name: c.packageName, current_package: c.packageName, address: c.address,
      zone: titleCase(c.workZone),
      ...(c.activatedAt ? { activated_at: c.activatedAt.toISOString() } : {}),
    };
    for (const k of Object.keys(given)) delete vars[k];
    perCustomer.set(c.id, vars); // the id as stored, which is what the resolved recipient carries
  }
  return { variables: { ...base, ...given }, perCustomer };
}

const customerName = (r: ResolvedRecipient): Record<string, unknown> => (r.kind === 'CUSTOMER' ? { customer_name: r.name } : {});

/** Resolves a Broadcast page by page (memory flat: deliveries are not collected). */
function runBroadcast(ingest: IngestNotificationUseCase, req: gatewayv1.BroadcastRequest, base: Omit<IngestRequest, 'queries' | 'direct'>, signal: AbortSignal) {
  return ingest.execute({ ...base, collect: false, signal, queries: audienceQueries(req.notificationType, req.audiences, req.channels, req.priority) });
}

/**
 * Resumes the Broadcasts a stopped gateway left RESOLVING (their request is stored with the
 * notification): resolution starts over, and the pages already inserted are no-ops (unique
 * delivery keys). Returns how many were resumed.
 */
export async function resumeBroadcasts(deps: Pick<NotificationHandlerDeps, 'store' | 'ingest' | 'background'>): Promise<number> {
  const pending = await deps.store.resolvingNotifications('BROADCAST');
  for (const n of pending) {
    const stored = await deps.store.notificationRequest(n.id);
    if (!stored) continue;
    const req = gatewayv1.BroadcastRequest.fromJSON(stored);
    deps.background((signal) =>
      runBroadcast(deps.ingest, req, {
        source: 'BROADCAST', idempotencyKey: n.idempotencyKey, sourceEventId: null, notificationType: n.notificationType, priority: n.priority,
        templateKey: n.templateKey, ticketId: null, actor: n.actor, variables: n.variables ?? {}, recipientVariables: customerName,
      }, signal),
    );
  }
  return pending.length;
}

/**
 * notify.gateway.v1.NotificationService (proto comments are the contract; roles per RPC are
 * enforced by grpc-kit from RPC_ROLES, per notification type here).
 */
export function createNotificationServiceHandler(deps: NotificationHandlerDeps): Partial<gatewayv1.NotificationServiceServer> {
  const { store, ingest, clock } = deps;

  /** Builds the ingest request shared by Notify and Broadcast. */
  const baseRequest = (
    source: 'NOTIFY' | 'BROADCAST',
    r: { idempotencyKey: string; notificationType: commonv1.NotificationType; priority: commonv1.Priority; templateKey: string; variables?: Record<string, unknown> | undefined; actor?: commonv1.Actor | undefined },
    ctx: CallContext,
  ): Omit<IngestRequest, 'query' | 'direct'> => ({
    source,
    idempotencyKey: r.idempotencyKey,
    sourceEventId: null,
    notificationType: requiredTypeFromProto(r.notificationType),
    priority: priorityFromProto(r.priority || defaultPriority(r.notificationType)),
    templateKey: r.templateKey || DEFAULT_TEMPLATE[r.notificationType] || '',
    ticketId: null,
    actor: r.actor && ctx.principal.role === 'service'
      ? (commonv1.Actor.toJSON(r.actor) as Record<string, unknown>)
      // A person's key bound to no staff member is named by its role (`staff:admin`, as the ticket
      // service records it), a service's key by its id (QA: `staff:<key id>`).
      : {
        kind: ctx.principal.role === 'service' ? 'ACTOR_KIND_SERVICE' : 'ACTOR_KIND_STAFF',
        id: ctx.principal.staffId ?? (ctx.principal.role === 'service' ? ctx.principal.keyId : ctx.principal.role),
        role: `ROLE_${ctx.principal.role.toUpperCase()}`,
      },
    variables: (r.variables ?? {}) as Record<string, unknown>,
    recipientVariables: customerName,
  });

  return {
    /**
     * Notify: resolve, render per recipient, create deliveries; the same request with the same
     * key twice → the first notification, duplicate = true (also when the two calls overlap: the
     * second waits for the first, see IngestNotificationUseCase); the key with a DIFFERENT request
     * (another type, recipients, variables, priority, template, channels, ticket, work zone, actor
     * or caller: {@link requestFingerprint}) → ALREADY_EXISTS naming the key, except a corrected
     * retry of a Notify that failed without creating anything, which takes the key over; a key
     * stored before fingerprints existed is not compared. Every addressee is resolved by the customer service
     * in one query: customer / staff / group ids as CUSTOMER / ASSIGNED_TECHNICIAN / GROUP
     * audiences, a bare phone (normalized here, INVALID_ARGUMENT naming `recipients[i].phone`) as
     * a PHONE audience, so its opt-outs apply (left out and counted in left_out).
     * Strict: an unknown id (NOT_FOUND; a ticket_id the ticket service does not know too) or a
     * text that cannot be rendered (NOT_FOUND / INVALID_ARGUMENT) fails the call before any
     * delivery is created.
     */
    notify: unary(async (req: gatewayv1.NotifyRequest, ctx) => {
      checkKey(req.idempotencyKey);
      checkSendRequest(req);
      if (!req.target) throw new ValidationError('target', 'recipients or audience is required');
      checkTypeRole(ctx, req.notificationType);
      const audiences: commonv1.Audience[] = [];
      let phones = 0;
      const ticketId = optionalId(req.ticketId, 'ticket_id');
      if (req.workZone.trim()) normalizeWorkZone(req.workZone, 'work_zone');
      // With a ticket_id (and the ticket service to ask), the ticket may give the audience its
      // customer, technician or zone: checked again once the ticket is looked up, below.
      const ticketContextLater = Boolean(ticketId && deps.enrich);
      if (req.target.$case === 'audience') {
        checkAudiences([req.target.value], () => 'audience', { workZone: req.workZone, pending: ticketContextLater });
        audiences.push(req.target.value);
      }
      else {
        const list = req.target.value.addressees;
        if (list.length === 0 || list.length > 1000) throw new ValidationError('recipients', 'must hold 1..1000 addressees');
        list.forEach((a, i) => {
          const v = a.addressee;
          if (!v) throw new ValidationError(`recipients[${i}]`, 'is empty');
          // Ids are UUIDs: one that is not is INVALID_ARGUMENT naming the field, not a NOT_FOUND (QA).
          if (v.$case === 'customerId') {
            audiences.push(commonv1.Audience.fromPartial({ kind: commonv1.AudienceKind.AUDIENCE_KIND_CUSTOMER, customerId: requireUuid(v.value, `recipients[${i}].customer_id`) }));
          } else if (v.$case === 'staffId') {
            audiences.push(commonv1.Audience.fromPartial({ kind: commonv1.AudienceKind.AUDIENCE_KIND_ASSIGNED_TECHNICIAN, staffId: requireUuid(v.value, `recipients[${i}].staff_id`) }));
          } else if (v.$case === 'groupId') {
            if (!v.value.trim()) throw new ValidationError(`recipients[${i}].group_id`, 'is empty');
            audiences.push(commonv1.Audience.fromPartial({ kind: commonv1.AudienceKind.AUDIENCE_KIND_GROUP, groupId: requireUuid(v.value, `recipients[${i}].group_id`) }));
          }
          else {
            // With its `+`: the customer service reads it back as exactly this number (E.164
            // digits without `+` that are also a valid Indonesian number would be read as that).
            audiences.push(commonv1.Audience.fromPartial({ kind: AK.AUDIENCE_KIND_PHONE, phone: `+${normalizeRecipientPhone(v.value, `recipients[${i}].phone`)}` }));
            phones += 1;
          }
        });
      }
      const base = baseRequest('NOTIFY', req, ctx);
      const fingerprint = requestFingerprint({
        rpc: 'Notify', caller: ctx.principal.keyId, type: base.notificationType, priority: base.priority, templateKey: base.templateKey ?? '',
        channels: req.channels, recipients: audiences.map((a) => commonv1.Audience.toJSON(a)), variables: base.variables, ticketId,
        workZone: req.workZone.trim(), actor: base.actor,
      });
      const customerIds = audiences.filter((a) => a.kind === commonv1.AudienceKind.AUDIENCE_KIND_CUSTOMER && a.customerId).map((a) => a.customerId);
      // A repeated key: a different request is refused at once; the same one answers the first
      // notification (duplicate, RESOLVED) without lookups, so a retry still gets its answer while the
      // ticket or customer service is down. Only a Notify with something to fill in looks anything up.
      const existing = await store.notificationByKey(req.idempotencyKey);
      const takeover = existing?.status === 'FAILED' && existing.deliveriesCreated === 0;
      if (existing?.fingerprint && existing.fingerprint !== fingerprint && !takeover) throw keyReused(req.idempotencyKey, existing);
      const enrich = deps.enrich && (ticketId || customerIds.length > 0) ? deps.enrich : undefined;
      // The recipient query's context: the ticket's (customer, assigned technician, zone, type:
      // what its lifecycle messages are resolved with, ticketContext) when there is one, the
      // Notify's work_zone over its zone.
      let context: Partial<customerv1.RecipientContext> = { ticketId };
      // Also when the key is still RESOLVING (a crashed call's, resumed by ingest): it resolves again.
      if (enrich && existing?.status !== 'RESOLVED') {
        const ticket = ticketId ? await enrich.ticket(ticketId) : null;
        // NOT_FOUND as the other services answer unknown ids: a notification about a ticket that
        // does not exist would be stored and listed under it.
        if (ticketId && !ticket) throw new NotFoundError('ticket', ticketId);
        if (ticket) {
          context = ticketContext(ticket, '');
          if (req.target.$case === 'audience') {
            checkAudiences([req.target.value], () => 'audience', {
              workZone: req.workZone || ticket.workZone, customerId: ticket.customerId, technicianId: ticket.technicianId, ticket: ticket.number || ticket.id,
            });
          }
        }
        const { variables, perCustomer } = await notifyVariables(enrich, ticket, customerIds, base.variables);
        base.variables = variables;
        base.recipientVariables = (r) => ({ ...(r.kind === 'CUSTOMER' ? perCustomer.get(r.id) ?? {} : {}), ...customerName(r) });
      }
      if (req.workZone) context.workZone = req.workZone;
      const ingestReq: IngestRequest = {
        ...base,
        ticketId: ticketId || null,
        fingerprint,
        strict: true,
        queries: audienceQueries(req.notificationType, audiences, req.channels, req.priority, context),
      };
      if (!ingestReq.templateKey && phones > 0) throw new ValidationError('template_key', `is required for ${typeFromProto(req.notificationType)} to bare phones`);
      const res = await ingest.execute(ingestReq);
      const deliveries = res.duplicate ? await store.deliveriesOf(res.notification.id) : res.deliveries;
      return gatewayv1.NotifyResponse.fromPartial({
        notification: notificationToProto(res.notification),
        deliveries: deliveries.map((d) => deliveryToProto(d, { withBody: false })),
        duplicate: res.duplicate,
      });
    }),

    /**
     * Broadcast: accepted at once (RESOLVING); resolution runs page by page in the background.
     * Everything that can be checked without resolving the audience is checked first, so bad
     * input is refused (INVALID_ARGUMENT naming the field; PERMISSION_DENIED for the type) and
     * nothing is stored under the key: the key, type, priority, channels, actor, each audience's
     * kind and parameters (checkAudiences, a work zone as the customer service reads it too), and
     * the template with the caller's variables (checkBroadcastTemplate: a key the template
     * service does not have, or has for none of the channels; variables the template needs that
     * the caller did not give, `customer_name` of customers excepted). The same request with a
     * key seen before → the first notification, duplicate = true, answered before the template
     * check (a template deactivated since does not turn a retry into INVALID_ARGUMENT); a
     * different request ({@link requestFingerprint}) → ALREADY_EXISTS naming the key, except a
     * corrected retry of a Broadcast that FAILED without creating any delivery (e.g. a template
     * changed since the check), which takes the key over (adoptFailedNotification, as Notify).
     */
    broadcast: unary(async (req: gatewayv1.BroadcastRequest, ctx) => {
      checkKey(req.idempotencyKey);
      checkSendRequest(req);
      if (req.audiences.length === 0) throw new ValidationError('audiences', 'at least one audience is required');
      checkAudiences(req.audiences, (i) => `audiences[${i}]`);
      checkTypeRole(ctx, req.notificationType);
      const base = baseRequest('BROADCAST', req, ctx);
      const fingerprint = requestFingerprint({
        rpc: 'Broadcast', caller: ctx.principal.keyId, type: base.notificationType, priority: base.priority, templateKey: base.templateKey ?? '',
        channels: req.channels, audiences: req.audiences.map((a) => commonv1.Audience.toJSON(a)), variables: base.variables, actor: base.actor,
      });
      // A retry of an accepted Broadcast answers it (duplicate) before the template check: the
      // template may have been deactivated since, and the broadcast was accepted with it.
      const existing = await store.notificationByKey(req.idempotencyKey);
      const takeover = existing?.source === 'BROADCAST' && existing.status === 'FAILED' && existing.deliveriesCreated === 0
        && Boolean(existing.fingerprint) && existing.fingerprint !== fingerprint;
      if (existing && !takeover) {
        if (existing.fingerprint && existing.fingerprint !== fingerprint) throw keyReused(req.idempotencyKey, existing);
        return gatewayv1.BroadcastResponse.fromPartial({ notification: notificationToProto(existing), duplicate: true });
      }
      if (deps.catalog && base.templateKey) await checkBroadcastTemplate(deps.catalog, base.templateKey, req.channels, req.audiences, base.variables);
      const fields = {
        source: 'BROADCAST' as const, idempotencyKey: req.idempotencyKey, notificationType: base.notificationType, priority: base.priority,
        templateKey: base.templateKey ?? '', ticketId: null, actor: base.actor, variables: Object.keys(base.variables).length ? base.variables : null,
        request: gatewayv1.BroadcastRequest.toJSON(req) as Record<string, unknown>, fingerprint,
      };
      if (existing && takeover) {
        // One conditional UPDATE: a racing retry finds it RESOLVING with another fingerprint and is refused.
        const adopted = await store.adoptFailedNotification(existing.id, fields);
        if (!adopted) {
          // Another call took it over first: the same request is its duplicate, another one refused.
          const now = await store.notificationByKey(req.idempotencyKey);
          if (now?.fingerprint !== fingerprint) throw keyReused(req.idempotencyKey, now ?? existing);
          return gatewayv1.BroadcastResponse.fromPartial({ notification: notificationToProto(now), duplicate: true });
        }
        deps.background((signal) => runBroadcast(ingest, req, base, signal));
        return gatewayv1.BroadcastResponse.fromPartial({ notification: notificationToProto(adopted), duplicate: false });
      }
      const { notification, created } = await store.createNotification(fields, clock());
      if (!created && notification.fingerprint && notification.fingerprint !== fingerprint) throw keyReused(req.idempotencyKey, notification);
      if (created) deps.background((signal) => runBroadcast(ingest, req, base, signal));
      return gatewayv1.BroadcastResponse.fromPartial({ notification: notificationToProto(notification), duplicate: !created });
    }),

    /**
     * GetNotification by id or by idempotency key (a campaign's due_event_id), with its
     * deliveries by status. INVALID_ARGUMENT: neither or both given, an id that is no UUID.
     */
    getNotification: unary(async (req: gatewayv1.GetNotificationRequest) => {
      if (!req.notificationId === !req.idempotencyKey) throw new ValidationError('notification_id', 'give exactly one of notification_id and idempotency_key');
      // Lower-cased as ids are stored (an upper-case UUID names the same notification).
      const id = optionalId(req.notificationId, 'notification_id');
      const n = id ? await store.notification(id) : await store.notificationByKey(req.idempotencyKey);
      if (!n) throw new NotFoundError('notification', req.notificationId || req.idempotencyKey);
      const counts = await store.deliveryCountsOf(n.id);
      return {
        notification: notificationToProto(n),
        deliveriesByStatus: counts.map((c) => ({ status: gatewayv1.deliveryStatusFromJSON(`DELIVERY_STATUS_${c.status}`), count: c.count })),
      };
    }),

    getDelivery: unary(async (req: gatewayv1.GetDeliveryRequest) => {
      if (!req.deliveryId) throw new ValidationError('delivery_id', 'is required');
      // An id that is no UUID is a mistake of the caller's (QA: `retry abc` said NOT_FOUND).
      const d = await store.delivery(optionalId(req.deliveryId, 'delivery_id'));
      if (!d) throw new NotFoundError('delivery', req.deliveryId);
      return { delivery: deliveryToProto(d, { attempts: await store.attempts(d.id) }) };
    }),

    /**
     * ListDeliveries: newest first, keyset pages; a page token is bound to the filters it was
     * issued for. `status` and `statuses` together match any of them. INVALID_ARGUMENT for a bad page token or one issued for other filters, a bad
     * recipient phone, a ticket_id or notification_id that is not a UUID (e.g. a ticket number,
     * which would match nothing: deliveries store the ticket's id) and a status, channel,
     * provider or notification type the enum does not have (it would silently match everything
     * or nothing).
     */
    listDeliveries: unary(async (req: gatewayv1.ListDeliveriesRequest) => {
      knownEnum(req.status, gatewayv1.DeliveryStatus, 'status');
      knownEnum(req.channel, commonv1.Channel, 'channel');
      knownEnum(req.provider, gatewayv1.Provider, 'provider');
      knownEnum(req.notificationType, commonv1.NotificationType, 'notification_type');
      const filter: DeliveryFilter = {};
      const ticketId = optionalId(req.ticketId, 'ticket_id');
      if (ticketId) filter.ticketId = ticketId;
      if (req.recipient) filter.recipient = req.recipient.includes('@') ? req.recipient : normalizePhone(req.recipient, 'recipient');
      // `status` and `statuses` together: any of them (QA: failed,dead was refused by notifyctl).
      const statuses = new Set<DeliveryStatus>();
      if (req.status) {
        const s = statusFromProto(req.status);
        if (s !== 'UNSPECIFIED') statuses.add(s);
      }
      req.statuses.forEach((v, i) => {
        knownEnum(v, gatewayv1.DeliveryStatus, `statuses[${i}]`);
        const s = statusFromProto(v);
        if (s === 'UNSPECIFIED') throw new ValidationError(`statuses[${i}]`, 'must be a delivery status, got UNSPECIFIED');
        statuses.add(s);
      });
      if (statuses.size === 1) filter.status = [...statuses][0]!;
      else if (statuses.size > 1) filter.statuses = [...statuses].sort();
      if (req.channel) {
        const c = channelFromProto(req.channel);
        if (c !== 'UNSPECIFIED') filter.channel = c;
      }
      if (req.provider) filter.provider = providerFromProto(req.provider);
      const notificationId = optionalId(req.notificationId, 'notification_id');
      if (notificationId) filter.notificationId = notificationId;
      if (req.notificationType) filter.notificationType = typeFromProto(req.notificationType);
      const created = timeRangeFromProto(req.created, 'created');
      if (created.from) filter.createdFrom = created.from;
      if (created.to) filter.createdTo = created.to;
      const { page, nextPageToken } = await keysetPage(req.page, filter, (after, limit) => store.list(filter, limit, after));
      return gatewayv1.ListDeliveriesResponse.fromPartial({ deliveries: page.map((d) => deliveryToProto(d)), nextPageToken });
    }),

    /**
     * ListNotifications: newest first, keyset pages bound to their filters, as ListDeliveries.
     * `incomplete`: resolved notifications that reached nobody or left someone out (QA: an
     * escalation that reached no manager was only a line in the gateway's log). INVALID_ARGUMENT
     * for a bad page token, a ticket_id that is not a UUID and a status, source or type the enum
     * does not have.
     */
    listNotifications: unary(async (req: gatewayv1.ListNotificationsRequest) => {
      knownEnum(req.status, gatewayv1.NotificationStatus, 'status');
      knownEnum(req.source, gatewayv1.NotificationSource, 'source');
      knownEnum(req.notificationType, commonv1.NotificationType, 'notification_type');
      const filter: NotificationFilter = {};
      if (req.status) filter.status = (gatewayv1.NotificationStatus[req.status] ?? '').replace('NOTIFICATION_STATUS_', '') as NotificationFilter['status'];
      if (req.source) filter.source = (gatewayv1.NotificationSource[req.source] ?? '').replace('NOTIFICATION_SOURCE_', '') as NotificationFilter['source'];
      if (req.notificationType) filter.notificationType = typeFromProto(req.notificationType);
      const ticketId = optionalId(req.ticketId, 'ticket_id');
      if (ticketId) filter.ticketId = ticketId;
      if (req.incomplete) filter.incomplete = true;
      const created = timeRangeFromProto(req.created, 'created');
      if (created.from) filter.createdFrom = created.from;
      if (created.to) filter.createdTo = created.to;
      const { page, nextPageToken } = await keysetPage(req.page, filter, (after, limit) => store.listNotifications(filter, limit, after));
      return gatewayv1.ListNotificationsResponse.fromPartial({ notifications: page.map(notificationToProto), nextPageToken });
    }),

    /**
     * RetryDelivery: FAILED / DEAD → QUEUED (store.redrive), answered like GetDelivery: the
     * delivery as re-queued with its attempts, oldest first. Only the attempts it had when it
     * was re-queued (numbers 1..attempt_count): the dispatcher, woken by the re-drive, may
     * already be recording the retry's own round, which GetDelivery shows afterwards.
     * INVALID_ARGUMENT for an empty id, NOT_FOUND, FAILED_PRECONDITION (not FAILED or DEAD).
     */
    retryDelivery: unary(async (req: gatewayv1.RetryDeliveryRequest) => {
      if (!req.deliveryId) throw new ValidationError('delivery_id', 'is required');
      checkActor(req.actor);
      const d = await store.redrive(optionalId(req.deliveryId, 'delivery_id'), clock());
      const attempts = (await store.attempts(d.id)).filter((a) => a.number <= d.attemptCount);
      return { delivery: deliveryToProto(d, { attempts }) };
    }),

    getStats: unary(async (req: gatewayv1.GetStatsRequest) => {
      const now = clock();
      const since = timestampFromProto(req.since, 'since') ?? new Date(now.getTime() - 7 * 86_400_000);
      if (since.getTime() > now.getTime()) throw new ValidationError('since', 'is in the future');
      const s = await store.stats(since);
      return gatewayv1.GetStatsResponse.fromPartial({
        since,
        total: s.total,
        byStatus: s.byStatus.map((x) => ({ status: statusToProto(x.status), count: x.count })),
        byProvider: s.byProvider.map((p) => ({
          provider: providerToProto(p.provider), attempts: p.attempts, accepted: p.accepted, failed: p.failed,
          successRatePercent: p.attempts ? (p.accepted / p.attempts) * 100 : 0, meanLatencyMs: p.meanLatencyMs, costRupiah: String(p.costRupiah),
        })),
        byNotificationType: s.byType.map((t) => ({ notificationType: typeToProto(t.notificationType), count: t.count, succeeded: t.succeeded })),
        successRatePercent: successRatePercent(Object.fromEntries(s.byStatus.map((x) => [x.status, x.count]))),
        failovers: s.failovers,
        costRupiah: String(s.costRupiah),
        meanTimeToSendMs: s.meanTimeToSendMs,
      });
    }),

    listProviders: unary(async () => {
      const out: gatewayv1.ProviderInfo[] = [];
      for (const ch of ['whatsapp', 'sms'] as const) {
        const statuses = deps.chains[ch]?.providers() ?? [];
        for (const p of deps.chains.providers.filter((x) => x.channel === ch)) {
          const st = statuses.find((s) => s.name === p.name);
          out.push(gatewayv1.ProviderInfo.fromPartial({
            provider: providerToProto(p.name),
            channel: ch === 'sms' ? commonv1.Channel.CHANNEL_SMS : commonv1.Channel.CHANNEL_WHATSAPP,
            enabled: p.enabled,
            chainPosition: p.chainPosition,
            baseUrl: p.baseUrl,
            breakerState: !st ? gatewayv1.BreakerState.BREAKER_STATE_UNSPECIFIED
              : st.state === 'open' ? gatewayv1.BreakerState.BREAKER_STATE_OPEN
                : st.state === 'half-open' ? gatewayv1.BreakerState.BREAKER_STATE_HALF_OPEN : gatewayv1.BreakerState.BREAKER_STATE_CLOSED,
            successRatePercent: st?.successRate !== null && st?.successRate !== undefined ? st.successRate * 100 : 0,
            latencyP50Ms: Math.round(st?.latencyP50Ms ?? 0),
            latencyP99Ms: Math.round(st?.latencyP99Ms ?? 0),
            recentCalls: st?.recentAttempts ?? 0,
            costPerMessageRupiah: String(p.costRupiah),
            lastError: st?.lastError ?? (p.enabled ? '' : (p.reason ?? '')),
            ...(st?.lastFailureAt ? { lastFailureAt: st.lastFailureAt } : {}),
            ...(st?.pausedUntil ? { pausedUntil: st.pausedUntil } : {}),
          }));
        }
      }
      return { providers: out };
    }),

    /**
     * WatchDeliveries: the delivery changes committed by THIS process from now on (in-process
     * feed; with several replicas a client sees one replica's changes — the JetStream
     * DELIVERY_EVENTS stream is the cluster-wide feed). Each event is the JetStream event's
     * payload, with its event id (DeliveryChange.eventId).
     */
    watchDeliveries: serverStream(async (req: gatewayv1.WatchDeliveriesRequest, _ctx, write, signal) => {
      req.types.forEach((t, i) => knownEnum(t, gatewayv1.DeliveryEventType, `types[${i}]`));
      const types = new Set(req.types);
      const ticketId = optionalId(req.ticketId, 'ticket_id');
      const notificationId = optionalId(req.notificationId, 'notification_id');
      await new Promise<void>((resolve) => {
        const unsubscribe = deps.feed((changes) => {
          for (const c of changes) {
            const evt = deliveryEventToProto(c);
            if (types.size > 0 && !types.has(evt.type)) continue;
            if (ticketId && c.delivery.ticketId !== ticketId) continue;
            if (notificationId && c.delivery.notificationId !== notificationId) continue;
            write({ event: evt });
          }
        });
        signal.addEventListener('abort', () => {
          unsubscribe();
          resolve();
        }, { once: true });
      });
    }),
  };
}

