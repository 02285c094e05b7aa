import { ValidationError } from '@notify/errors';
import { optionalUuid } from '@notify/grpc-kit';
import { commonv1, customerv1, ticketv1 } from '@notify/proto';
import type {
  Audience,
  Channel,
  ExplicitAudience,
  GroupCategory,
  Invoice,
  InvoiceStatus,
  InvoiceStatusEvent,
  LeftOut,
  LeftOutReason,
  Locale,
  NotificationPreferences,
  OptOut,
  OptOutEvent,
  PreferencesEvent,
  QuietHours,
  Recipient,
  RecipientKind,
  RoutingRule,
  Staff,
  StaffRole,
  SubjectKind,
  WhatsAppGroup,
} from '../../domain';
import { actorToProto, roleFromProto, roleToProto } from '../../infrastructure/messaging/customer-event.mapper';

export { customerToProto, customerStatusFromProto, customerStatusToProto, roleToProto } from '../../infrastructure/messaging/customer-event.mapper';

const NT = commonv1.NotificationType;
/**
 * Proto notification types ⇄ the domain's dotted names (default-routing-rules.ts). The first
 * entry for a name wins when mapping back (WELCOME and CUSTOMER_ACTIVATED both are the welcome
 * sent on `customer.activated`).
 */
const NOTIFICATION_TYPES: readonly (readonly [commonv1.NotificationType, string])[] = [
  [NT.NOTIFICATION_TYPE_TICKET_CREATED, 'ticket.created'],
  [NT.NOTIFICATION_TYPE_TICKET_ASSIGNED, 'ticket.assigned'],
  [NT.NOTIFICATION_TYPE_TICKET_STARTED, 'ticket.started'],
  [NT.NOTIFICATION_TYPE_TICKET_COMPLETED, 'ticket.completed'],
  [NT.NOTIFICATION_TYPE_TICKET_CANCELLED, 'ticket.cancelled'],
  [NT.NOTIFICATION_TYPE_TICKET_ESCALATED, 'ticket.escalated'],
  [NT.NOTIFICATION_TYPE_TECHNICIAN_JOB_OFFER, 'technician.job_offer'],
  [NT.NOTIFICATION_TYPE_SLA_WARNING, 'sla.warning'],
  [NT.NOTIFICATION_TYPE_PAYMENT_REMINDER, 'payment.reminder'],
  [NT.NOTIFICATION_TYPE_PAYMENT_RECEIVED, 'payment.received'],
  [NT.NOTIFICATION_TYPE_REGISTRATION_CONFIRMATION, 'customer.registered'],
  [NT.NOTIFICATION_TYPE_INSTALLATION_SCHEDULE, 'installation.schedule'],
  [NT.NOTIFICATION_TYPE_MAINTENANCE, 'campaign.maintenance'],
  [NT.NOTIFICATION_TYPE_EMERGENCY_ALERT, 'campaign.emergency'],
  [NT.NOTIFICATION_TYPE_DAILY_SUMMARY, 'summary.daily'],
  [NT.NOTIFICATION_TYPE_CUSTOMER_ACTIVATED, 'customer.activated'],
  [NT.NOTIFICATION_TYPE_WELCOME, 'customer.activated'],
  [NT.NOTIFICATION_TYPE_UPGRADE_OFFER, 'upgrade.offer'],
  [NT.NOTIFICATION_TYPE_SATISFACTION_SURVEY, 'survey.satisfaction'],
  [NT.NOTIFICATION_TYPE_WEEKLY_PERFORMANCE, 'performance.weekly'],
  [NT.NOTIFICATION_TYPE_PROMOTION, 'campaign.promotion'],
  [NT.NOTIFICATION_TYPE_SYSTEM_ALERT, 'system.alert'],
];

/** Proto NotificationType → dotted name; ValidationError(field) for UNSPECIFIED / unknown. */
export function notificationTypeFromProto(value: commonv1.NotificationType, field = 'notification_type'): string {
  const found = NOTIFICATION_TYPES.find(([p]) => p === value);
  if (found) return found[1];
  // QA: "got 21" — name the value, and say why REPLY has no routing.
  if (value === NT.NOTIFICATION_TYPE_REPLY) {
    throw new ValidationError(field, 'NOTIFICATION_TYPE_REPLY is not routed: the gateway\'s reply flow answers whoever wrote in');
  }
  const name = typeof NT[value] === 'string' && value !== NT.NOTIFICATION_TYPE_UNSPECIFIED ? NT[value] : String(value);
  throw new ValidationError(field, `must be a known notification type, got ${name}`);
}

/** Dotted name → proto NotificationType (UNSPECIFIED for a name the proto has no value for). */
export function notificationTypeToProto(name: string): commonv1.NotificationType {
  return NOTIFICATION_TYPES.find(([, n]) => n === name)?.[0] ?? NT.NOTIFICATION_TYPE_UNSPECIFIED;
}

const CHANNEL: Record<Channel, commonv1.Channel> = { WHATSAPP: commonv1.Channel.CHANNEL_WHATSAPP, SMS: commonv1.Channel.CHANNEL_SMS };

export function channelToProto(c: Channel): commonv1.Channel {
  return CHANNEL[c];
}

/** Proto Channel → domain; undefined for UNSPECIFIED (callers decide: "all" or an error). */
export function channelFromProto(c: commonv1.Channel): Channel | undefined {
  return (Object.keys(CHANNEL) as Channel[]).find((k) => CHANNEL[k] === c);
}

function channelsFromProto(list: readonly commonv1.Channel[], field: string): Channel[] {
  return list.map((c) => {
    const ch = channelFromProto(c);
    if (!ch) throw new ValidationError(field, `unknown channel ${c}`);
    return ch;
  });
}

export function localeToProto(l: Locale): commonv1.Locale {
  return l === 'en' ? commonv1.Locale.LOCALE_EN : commonv1.Locale.LOCALE_ID;
}

export function localeFromProto(l: commonv1.Locale): Locale | undefined {
  return l === commonv1.Locale.LOCALE_EN ? 'en' : l === commonv1.Locale.LOCALE_ID ? 'id' : undefined;
}

const STAFF_ROLES_SET: readonly string[] = ['technician', 'supervisor', 'manager', 'noc', 'customer_service', 'admin'];

/** Proto Role → staff role; ValidationError(field) for UNSPECIFIED and SERVICE. */
export function staffRoleFromProto(role: commonv1.Role, field = 'role'): StaffRole {
  const name = roleFromProto(role);
  if (!name || !STAFF_ROLES_SET.includes(name)) throw new ValidationError(field, `must be a staff role (admin … technician), got ${role}`);
  return name as StaffRole;
}

export function staffToProto(s: Staff): customerv1.Staff {
  return {
    id: s.id,
    name: s.name,
    phone: s.phone ?? '',
    role: roleToProto(s.role),
    workZones: [...s.workZones],
    active: s.active,
    createdAt: s.createdAt,
    updatedAt: s.createdAt,
  };
}

const CATEGORY: Record<GroupCategory, customerv1.GroupCategory> = {
  technicians: customerv1.GroupCategory.GROUP_CATEGORY_TECHNICIANS,
  supervisors: customerv1.GroupCategory.GROUP_CATEGORY_SUPERVISORS,
  managers: customerv1.GroupCategory.GROUP_CATEGORY_MANAGERS,
  noc: customerv1.GroupCategory.GROUP_CATEGORY_NOC,
  customer_service: customerv1.GroupCategory.GROUP_CATEGORY_CUSTOMER_SERVICE,
  all: customerv1.GroupCategory.GROUP_CATEGORY_ALL,
};

export function groupCategoryFromProto(c: customerv1.GroupCategory, field = 'category'): GroupCategory {
  const found = (Object.keys(CATEGORY) as GroupCategory[]).find((k) => CATEGORY[k] === c);
  if (!found) throw new ValidationError(field, `must be a group category, got ${c}`);
  return found;
}

export function groupToProto(g: WhatsAppGroup): customerv1.Group {
  return {
    id: g.id,
    name: g.name,
    chatId: g.chatId,
    category: CATEGORY[g.category],
    workZone: g.workZone ?? '',
    notificationTypes: g.notificationTypes.map(notificationTypeToProto),
    active: g.active,
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
  };
}

export function notificationTypesFromProto(list: readonly commonv1.NotificationType[], field: string): string[] {
  return list.map((t) => notificationTypeFromProto(t, field));
}

const KIND_TO_PROTO: Record<RecipientKind, commonv1.RecipientKind> = {
  customer: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER,
  staff: commonv1.RecipientKind.RECIPIENT_KIND_STAFF,
  group: commonv1.RecipientKind.RECIPIENT_KIND_GROUP,
  phone: commonv1.RecipientKind.RECIPIENT_KIND_PHONE,
};
/** The id on the wire: a bare phone has none (proto Recipient.id / LeftOutRecipient.id: empty for a bare phone). */
const wireId = (kind: RecipientKind, id: string): string => (kind === 'phone' ? '' : id);

/** Proto RecipientKind → CUSTOMER / STAFF subject; ValidationError(field) otherwise. */
export function personKindFromProto(k: commonv1.RecipientKind, field = 'recipient_kind'): SubjectKind {
  if (k === commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER) return 'customer';
  if (k === commonv1.RecipientKind.RECIPIENT_KIND_STAFF) return 'staff';
  throw new ValidationError(field, `must be RECIPIENT_KIND_CUSTOMER or RECIPIENT_KIND_STAFF, got ${k}`);
}

const pad = (n: number) => String(n).padStart(2, '0');
const toMinute = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Minutes after local midnight (0..1439) → `HH:MM`; ValidationError(field) outside the range. */
export function minuteToHhmm(minute: number, field: string): string {
  if (!Number.isInteger(minute) || minute < 0 || minute > 1439) throw new ValidationError(field, `must be 0..1439 minutes, got ${minute}`);
  return `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
}

export function quietHoursToProto(q: QuietHours | null, timeZone: string): commonv1.QuietHours | undefined {
  return q ? { startMinute: toMinute(q.start), endMinute: toMinute(q.end), timeZone } : undefined;
}

export function preferencesToProto(p: NotificationPreferences): customerv1.Preferences {
  return {
    recipientKind: KIND_TO_PROTO[p.subject.kind],
    recipientId: p.subject.id,
    channels: (['WHATSAPP', 'SMS'] as const).filter((c) => p.channels[c]).map(channelToProto),
    optedOutTypes: p.optedOutTypes.map(notificationTypeToProto).filter((t) => t !== NT.NOTIFICATION_TYPE_UNSPECIFIED),
    quietHours: quietHoursToProto(p.quietHours, p.timeZone),
    locale: localeToProto(p.locale),
    updatedAt: p.updatedAt ?? undefined,
  };
}

/** Domain `preferences_updated` event → the `notify.customer.v1.PreferencesEvent` payload. */
export function preferencesEventToProto(e: PreferencesEvent): customerv1.PreferencesEvent {
  return { eventId: e.eventId, occurredAt: e.occurredAt, preferences: preferencesToProto(e.preferences), actor: actorToProto(e.actor) };
}

/** Domain `opted_out` event → the `notify.customer.v1.OptOutEvent` payload. */
export function optOutEventToProto(e: OptOutEvent): customerv1.OptOutEvent {
  return { eventId: e.eventId, occurredAt: e.occurredAt, optOut: optOutToProto(e.optOut), actor: actorToProto(e.actor) };
}

/** Domain `invoice_status_changed` event → the `notify.customer.v1.InvoiceStatusEvent` payload (CANCELLED = VOID). */
export function invoiceStatusEventToProto(e: InvoiceStatusEvent): customerv1.InvoiceStatusEvent {
  return {
    eventId: e.eventId,
    occurredAt: e.occurredAt,
    invoice: invoiceToProto(e.invoice),
    previousStatus: INVOICE_STATUS[e.previousStatus],
    actor: actorToProto(e.actor),
  };
}

/** The channel switches a proto channel list means: listed = on, missing = off. */
export function channelSwitchesFromProto(list: readonly commonv1.Channel[]): Record<Channel, boolean> {
  const on = new Set(channelsFromProto(list, 'preferences.channels'));
  return { WHATSAPP: on.has('WHATSAPP'), SMS: on.has('SMS') };
}

/** One channel's opt-out as the proto OptOut (id `<phone>:<CHANNEL>`). */
export function optOutToProto(o: OptOut): customerv1.OptOut {
  return {
    id: `${o.phone}:${o.channel}`,
    phone: o.phone,
    channel: channelToProto(o.channel),
    reason: o.reason ?? '',
    createdAt: o.at,
  };
}

const INVOICE_STATUS: Record<InvoiceStatus, customerv1.InvoiceStatus> = {
  UNPAID: customerv1.InvoiceStatus.INVOICE_STATUS_UNPAID,
  PAID: customerv1.InvoiceStatus.INVOICE_STATUS_PAID,
  CANCELLED: customerv1.InvoiceStatus.INVOICE_STATUS_VOID,
};

/**
 * Proto InvoiceStatus → domain (VOID = CANCELLED); ValidationError(field) for UNSPECIFIED or a
 * value outside the enum (never read as "no status").
 */
export function invoiceStatusFromProto(s: customerv1.InvoiceStatus, field = 'status'): InvoiceStatus {
  const found = (Object.keys(INVOICE_STATUS) as InvoiceStatus[]).find((k) => INVOICE_STATUS[k] === s);
  if (!found) throw new ValidationError(field, `must be INVOICE_STATUS_UNPAID, INVOICE_STATUS_PAID or INVOICE_STATUS_VOID, got ${s}`);
  return found;
}

/** An invoice as the proto Invoice: `paid_at` = the status change's time when PAID; the change's time, reason and actor once it is not UNPAID. */
export function invoiceToProto(i: Invoice): customerv1.Invoice {
  return {
    id: i.id,
    customerId: i.customerId,
    number: i.number ?? '',
    amountRupiah: String(i.amount),
    dueDate: i.dueDate,
    status: INVOICE_STATUS[i.status],
    description: i.description,
    createdAt: i.createdAt,
    paidAt: i.status === 'PAID' ? (i.statusChangedAt ?? undefined) : undefined,
    statusChangedAt: i.statusChangedAt ?? undefined,
    statusReason: i.statusReason,
    statusChangedBy: i.statusChangedBy ?? '',
  };
}

/** Largest `amount_rupiah` CreateInvoice takes: 2^53 − 1 (the largest integer a JSON number holds exactly). */
export const RUPIAH_MAX = Number.MAX_SAFE_INTEGER;

/** int64 rupiah (ts-proto: string) → integer 1..{@link RUPIAH_MAX}; ValidationError(`amount_rupiah`) otherwise. */
export function rupiahFromProto(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value ?? '') || !Number.isSafeInteger(n) || n <= 0) {
    throw new ValidationError('amount_rupiah', `must be a whole number of rupiah from 1 to ${RUPIAH_MAX}, got "${value}"`);
  }
  return n;
}

const AUDIENCE_KINDS: Partial<Record<Audience, commonv1.AudienceKind>> = {};
for (const [name, value] of Object.entries(commonv1.AudienceKind)) {
  if (typeof value === 'number' && name.startsWith('AUDIENCE_KIND_')) AUDIENCE_KINDS[name.slice('AUDIENCE_KIND_'.length) as Audience] = value;
}

export function audienceToProto(a: Audience): commonv1.AudienceKind {
  return AUDIENCE_KINDS[a] ?? commonv1.AudienceKind.AUDIENCE_KIND_UNSPECIFIED;
}

/** Proto AudienceKind → domain audience; ValidationError(field) for UNSPECIFIED or unknown kinds (rules naming GROUP / STAFF_ROLES are refused by buildRoutingRule). */
export function audienceFromProto(k: commonv1.AudienceKind, field = 'audience'): Audience {
  const found = (Object.keys(AUDIENCE_KINDS) as Audience[]).find((a) => AUDIENCE_KINDS[a] === k);
  if (!found) throw new ValidationError(field, `must be a routing audience, got ${k}`);
  return found;
}

/**
 * Proto Audience (ResolveRecipientsRequest.audiences[i]) → explicit audience of the domain.
 * Kind UNSPECIFIED / unknown → ValidationError(`audiences[i].kind`); a role that is not a staff
 * role (ROLE_SERVICE, UNSPECIFIED) → ValidationError(`audiences[i].roles`); a group_id,
 * customer_id or staff_id that is not a UUID → ValidationError naming it. Missing parameters are
 * checked by the domain (explicitAudienceRules).
 */
export function explicitAudienceFromProto(a: commonv1.Audience, i: number): ExplicitAudience {
  const audience = audienceFromProto(a.kind, `audiences[${i}].kind`);
  return {
    audience,
    workZone: a.workZone,
    // An id that is not a UUID cannot exist: INVALID_ARGUMENT naming it, not a NOT_FOUND left out.
    groupId: optionalUuid(a.groupId, `audiences[${i}].group_id`),
    roles: a.roles.map((r) => staffRoleFromProto(r, `audiences[${i}].roles`)),
    customerId: optionalUuid(a.customerId, `audiences[${i}].customer_id`),
    staffId: optionalUuid(a.staffId, `audiences[${i}].staff_id`),
    ...(a.phone !== undefined ? { phone: a.phone } : {}),
  };
}

/** A rule's ticket type ⇄ proto TicketType (null = any = UNSPECIFIED). */
export function ruleTicketTypeToProto(t: RoutingRule['ticketType']): ticketv1.TicketType {
  if (t === 'GANGGUAN') return ticketv1.TicketType.TICKET_TYPE_DISTURBANCE;
  if (t === 'PSB') return ticketv1.TicketType.TICKET_TYPE_INSTALLATION;
  return ticketv1.TicketType.TICKET_TYPE_UNSPECIFIED;
}

/** Proto TicketType → a rule's ticket type (UNSPECIFIED = any = null); ValidationError(field) for an unknown value. */
export function ruleTicketTypeFromProto(t: ticketv1.TicketType, field: string): RoutingRule['ticketType'] {
  if (t === ticketv1.TicketType.TICKET_TYPE_DISTURBANCE) return 'GANGGUAN';
  if (t === ticketv1.TicketType.TICKET_TYPE_INSTALLATION) return 'PSB';
  if (t === ticketv1.TicketType.TICKET_TYPE_UNSPECIFIED) return null;
  throw new ValidationError(field, `must be TICKET_TYPE_DISTURBANCE, TICKET_TYPE_INSTALLATION or UNSPECIFIED (any), got ${t}`);
}

/** A stored rule as the proto RoutingRule (every field: key, channels, template, source, updated_at). */
export function routingRuleToProto(r: RoutingRule): customerv1.RoutingRule {
  return {
    id: r.id,
    notificationType: notificationTypeToProto(r.notificationType),
    audience: audienceToProto(r.audience),
    channels: r.channels.map(channelToProto),
    minPriority: commonv1.Priority.PRIORITY_UNSPECIFIED,
    enabled: r.enabled,
    updatedAt: r.updatedAt,
    ticketType: ruleTicketTypeToProto(r.ticketType),
    escalationLevel: r.escalationLevel ?? 0,
    templateKey: r.templateKey,
    source: r.source,
  };
}

export function recipientToProto(r: Recipient): customerv1.Recipient {
  return {
    kind: KIND_TO_PROTO[r.kind],
    id: wireId(r.kind, r.id),
    name: r.name,
    channel: channelToProto(r.channel),
    address: r.address,
    locale: localeToProto(r.locale),
    quietHours: quietHoursToProto(r.quietHours, r.timeZone),
    audience: audienceToProto(r.audience),
    role: r.role ? roleToProto(r.role) : commonv1.Role.ROLE_UNSPECIFIED,
    templateKey: r.templateKey,
    smsFallbackRefused: r.smsFallbackRefused === true,
  };
}

const REASON: Record<LeftOutReason, customerv1.LeftOutReason> = {
  OPTED_OUT: customerv1.LeftOutReason.LEFT_OUT_REASON_OPTED_OUT,
  NOTIFICATION_TYPE_OPTED_OUT: customerv1.LeftOutReason.LEFT_OUT_REASON_TYPE_OPTED_OUT,
  CHANNEL_DISABLED: customerv1.LeftOutReason.LEFT_OUT_REASON_CHANNEL_DISABLED,
  NO_PHONE: customerv1.LeftOutReason.LEFT_OUT_REASON_NO_PHONE,
  INACTIVE: customerv1.LeftOutReason.LEFT_OUT_REASON_INACTIVE,
  NOT_FOUND: customerv1.LeftOutReason.LEFT_OUT_REASON_NOT_FOUND,
  IS_ACTOR: customerv1.LeftOutReason.LEFT_OUT_REASON_IS_ACTOR,
  SHARED_PHONE: customerv1.LeftOutReason.LEFT_OUT_REASON_SHARED_PHONE,
  CHANNEL_UNSUPPORTED: customerv1.LeftOutReason.LEFT_OUT_REASON_CHANNEL_UNSUPPORTED,
};

export function leftOutToProto(l: LeftOut): customerv1.LeftOutRecipient {
  return {
    kind: KIND_TO_PROTO[l.kind],
    id: wireId(l.kind, l.id),
    name: l.name ?? '',
    audience: audienceToProto(l.audience),
    reason: REASON[l.reason],
    channel: l.channel ? channelToProto(l.channel) : commonv1.Channel.CHANNEL_UNSPECIFIED,
    address: l.kind === 'phone' ? l.id : '',
  };
}

/** Page size of ResolveRecipients: default 1000, max 5000 (proto). ValidationError(`page.page_size`) when negative. */
export function resolvePage(page: commonv1.PageRequest | undefined, def: number, max: number): { size: number; token: string } {
  const size = page?.pageSize ?? 0;
  if (!Number.isInteger(size) || size < 0) throw new ValidationError('page.page_size', `must be a non-negative integer, got ${size}`);
  return { size: size === 0 ? def : Math.min(size, max), token: page?.pageToken ?? '' };
}
