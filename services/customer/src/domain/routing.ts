import { ValidationError } from '@notify/errors';
import { CHANNELS, isChannel, type Channel } from './channel';
import { validateNotificationType } from './notification-type';
import type { Locale, PreferenceValues, QuietHours } from './preferences';
import type { StaffRole } from './staff';

/**
 * Routing: which audiences hear about which notification type, on which channels, with
 * which template. Rules are data (stored, editable); the defaults come from the seeds
 * (default-routing-rules.ts).
 */

/**
 * Who a rule addresses. Resolution needs context fields:
 *   CUSTOMER               context.customer_id: the ticket's / invoice's customer (any status)
 *   ASSIGNED_TECHNICIAN    context.technician_id: the ticket's technician (or the one a report is about)
 *   PREVIOUS_TECHNICIAN    context.previous_technician_id: the technician a ticket was just reassigned away from
 *   ZONE_TECHNICIANS       context.work_zone: technicians covering the zone
 *   OFFERED_TECHNICIANS    context.work_zone with no context.technician_id (an unassigned ticket): the zone's
 *                          technicians, those its job offer went to (the gateway keeps those the offer reached);
 *                          nobody once the ticket has a technician
 *   OFFERED_TECHNICIAN_GROUP the same for the zone's technicians' groups (as ZONE_TECHNICIAN_GROUP)
 *   ALL_TECHNICIANS        every technician (narrowed by work_zone / technician_id when given)
 *   SUPERVISORS            supervisors covering context.work_zone (all when absent)
 *   MANAGERS               managers covering context.work_zone (all when absent)
 *   ALL_STAFF              every staff member
 *   ZONE_TECHNICIAN_GROUP  context.work_zone: groups of category technicians for the zone
 *   SUPERVISOR_GROUP       groups of category supervisors (zone-matched or all-zone)
 *   MANAGEMENT_GROUP       groups of category managers
 *   NOC_GROUP              groups of category noc
 *   CUSTOMER_SERVICE_GROUP groups of category customer_service
 *   ALL_GROUPS             every group
 *   AREA_CUSTOMERS         context.area: every ACTIVE customer of the area (streamed)
 *   ALL_CUSTOMERS          every ACTIVE customer (narrowed by context.area when given; streamed)
 *   STAFF_ROLES            context.roles: staff with any of the roles (explicit audiences only)
 *   GROUP                  context.groupId: the one group with that id (explicit audiences only)
 *   PHONE                  context.phone: one bare phone, no directory entry (explicit audiences only)
 * Staff "covering" a zone: its work zones include it, or it has none (= all zones).
 * STAFF_ROLES, GROUP and PHONE carry their own parameters (proto notify.common.v1.Audience.roles /
 * group_id / phone), so a stored routing rule cannot name them ({@link EXPLICIT_ONLY_AUDIENCES});
 * they come from ResolveRecipients' explicit `audiences` (Broadcast, campaigns, Notify to a group
 * or to a phone). PHONE ranks last: a phone that is also a customer's or staff member's address
 * is messaged once, as that person (name, preferences, template variant).
 */
export const AUDIENCES = [
  'CUSTOMER',
  'ASSIGNED_TECHNICIAN',
  'PREVIOUS_TECHNICIAN',
  'OFFERED_TECHNICIANS',
  'OFFERED_TECHNICIAN_GROUP',
  'SUPERVISORS',
  'MANAGERS',
  'STAFF_ROLES',
  'ZONE_TECHNICIANS',
  'ALL_TECHNICIANS',
  'ALL_STAFF',
  'GROUP',
  'ZONE_TECHNICIAN_GROUP',
  'OFFERED_TECHNICIAN_GROUP',
  'SUPERVISOR_GROUP',
  'MANAGEMENT_GROUP',
  'NOC_GROUP',
  'CUSTOMER_SERVICE_GROUP',
  'ALL_GROUPS',
  'AREA_CUSTOMERS',
  'ALL_CUSTOMERS',
  'PHONE',
] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Audiences resolved to WhatsApp groups (WhatsApp only). */
export const GROUP_AUDIENCES: readonly Audience[] = [
  'GROUP',
  'ZONE_TECHNICIAN_GROUP',
  'SUPERVISOR_GROUP',
  'MANAGEMENT_GROUP',
  'NOC_GROUP',
  'CUSTOMER_SERVICE_GROUP',
  'ALL_GROUPS',
];

/** The context field an audience cannot do without. */
export const AUDIENCE_REQUIRES: Partial<Record<Audience, keyof ResolutionContext>> = {
  CUSTOMER: 'customerId',
  ASSIGNED_TECHNICIAN: 'technicianId',
  PREVIOUS_TECHNICIAN: 'previousTechnicianId',
  ZONE_TECHNICIANS: 'workZone',
  OFFERED_TECHNICIANS: 'workZone',
  OFFERED_TECHNICIAN_GROUP: 'workZone',
  ZONE_TECHNICIAN_GROUP: 'workZone',
  AREA_CUSTOMERS: 'area',
  GROUP: 'groupId',
  STAFF_ROLES: 'roles',
  PHONE: 'phone',
};

/** Audiences that need parameters of their own, so only an explicit ResolveRecipients audience names them (never a stored rule). */
export const EXPLICIT_ONLY_AUDIENCES: readonly Audience[] = ['GROUP', 'STAFF_ROLES', 'PHONE'];

export function isAudience(value: unknown): value is Audience {
  return typeof value === 'string' && (AUDIENCES as readonly string[]).includes(value);
}

/** Facts about the notification that rules and audiences use (all optional). */
export interface ResolutionContext {
  readonly ticketId?: string;
  readonly customerId?: string;
  readonly technicianId?: string;
  /** The technician a ticket was just reassigned away from (PREVIOUS_TECHNICIAN). */
  readonly previousTechnicianId?: string;
  /** Normalized work-zone key. */
  readonly workZone?: string;
  /** Area = work-zone key of customers (AREA_CUSTOMERS, ALL_CUSTOMERS). */
  readonly area?: string;
  readonly ticketType?: 'GANGGUAN' | 'PSB';
  readonly escalationLevel?: number;
  /** Staff id of whoever caused the notification; they are not told about their own action. */
  readonly actorId?: string;
  /** GROUP: the group id (explicit audiences only). */
  readonly groupId?: string;
  /** STAFF_ROLES: the staff roles (explicit audiences only; non-empty when set). */
  readonly roles?: readonly StaffRole[];
  /** PHONE: the bare phone, E.164 digits (explicit audiences only). */
  readonly phone?: string;
}

export interface RoutingRule {
  /** Deterministic key, see {@link routingRuleId}. */
  readonly id: string;
  readonly notificationType: string;
  /** Only for this ticket type; null = any (or not a ticket notification). */
  readonly ticketType: 'GANGGUAN' | 'PSB' | null;
  /** Only for this escalation level (1 or 2); null = any. */
  readonly escalationLevel: 1 | 2 | null;
  readonly audience: Audience;
  /** In order of preference: each recipient gets the FIRST channel they accept. */
  readonly channels: readonly Channel[];
  /** Template key in the template service (rendered per recipient locale and channel). */
  readonly templateKey: string;
  readonly enabled: boolean;
  /** Where the rule comes from (seed document and section) or who edited it. */
  readonly source: string;
  /** When the stored rule last changed; absent on a rule not read from the store. */
  readonly updatedAt?: Date;
}

/** `ticket.created/GANGGUAN/*\/CUSTOMER`: notification type / ticket type / escalation level / audience. */
export function routingRuleId(r: Pick<RoutingRule, 'notificationType' | 'ticketType' | 'escalationLevel' | 'audience'>): string {
  return `${r.notificationType}/${r.ticketType ?? '*'}/${r.escalationLevel ?? '*'}/${r.audience}`;
}

export type RoutingRuleInput = Omit<RoutingRule, 'id' | 'updatedAt'>;

/**
 * The notification types whose resolution context carries the ticket's type (the gateway's
 * ticket events and SLA warnings): the only ones a rule may limit to GANGGUAN or PSB.
 */
export const TICKET_TYPE_NOTIFICATIONS: readonly string[] = [
  'ticket.created', 'ticket.assigned', 'ticket.started', 'ticket.completed', 'ticket.cancelled', 'ticket.escalated', 'sla.warning',
];

/** The notification types meant for many customers at once: the only ones AREA_CUSTOMERS / ALL_CUSTOMERS may receive. */
export const MASS_CUSTOMER_NOTIFICATIONS: readonly string[] = ['campaign.maintenance', 'campaign.emergency', 'campaign.promotion', 'upgrade.offer'];

/** Audiences found from a ticket (its technician, the one before, those its offer reached). */
export const TICKET_AUDIENCES: readonly Audience[] = ['ASSIGNED_TECHNICIAN', 'PREVIOUS_TECHNICIAN', 'OFFERED_TECHNICIANS', 'OFFERED_TECHNICIAN_GROUP'];

/** The longest `source` a rule may carry, characters (the seeded ones cite a seed section or two). */
export const ROUTING_RULE_SOURCE_MAX = 1000;

/**
 * Validates a rule: notification_type, ticket_type (only for {@link TICKET_TYPE_NOTIFICATIONS}),
 * escalation_level (1 | 2, only for ticket.escalated), audience,
 * channels (non-empty, known, no repeats; group audiences only WHATSAPP), template_key.
 */
export function buildRoutingRule(input: RoutingRuleInput): RoutingRule {
  const notificationType = validateNotificationType(input.notificationType);
  if (input.ticketType !== null && input.ticketType !== 'GANGGUAN' && input.ticketType !== 'PSB') {
    throw new ValidationError('ticket_type', `must be GANGGUAN, PSB or empty, got "${input.ticketType}"`);
  }
  if (input.escalationLevel !== null && input.escalationLevel !== 1 && input.escalationLevel !== 2) {
    throw new ValidationError('escalation_level', `must be 1, 2 or empty, got ${input.escalationLevel}`);
  }
  // A condition the notification never carries would make a rule that never applies (QA: a level-2
  // rule for ticket.completed was stored and silently did nothing).
  if (input.ticketType !== null && !TICKET_TYPE_NOTIFICATIONS.includes(notificationType)) {
    throw new ValidationError('ticket_type', `only a ticket's notifications carry a ticket type (${TICKET_TYPE_NOTIFICATIONS.join(', ')}), not ${notificationType}`);
  }
  if (input.escalationLevel !== null && notificationType !== 'ticket.escalated') {
    throw new ValidationError('escalation_level', `only ticket.escalated carries an escalation level, not ${notificationType}`);
  }
  // Every customer of an area (or all) only for what is meant for all of them (QA: a rule
  // ticket.created → ALL_CUSTOMERS sent one customer's ticket and address to every customer).
  if ((input.audience === 'AREA_CUSTOMERS' || input.audience === 'ALL_CUSTOMERS') && !MASS_CUSTOMER_NOTIFICATIONS.includes(notificationType)) {
    throw new ValidationError('audience', `${input.audience} would send every customer a ${notificationType} message meant for one person; only ${MASS_CUSTOMER_NOTIFICATIONS.join(', ')} go to many customers`);
  }
  if (TICKET_AUDIENCES.includes(input.audience) && !TICKET_TYPE_NOTIFICATIONS.includes(notificationType)) {
    throw new ValidationError('audience', `${input.audience} is found from a ticket: only a ticket's notifications (${TICKET_TYPE_NOTIFICATIONS.join(', ')}) can reach it, not ${notificationType}`);
  }
  if (!isAudience(input.audience)) throw new ValidationError('audience', `unknown audience "${input.audience}"`);
  if (EXPLICIT_ONLY_AUDIENCES.includes(input.audience)) {
    throw new ValidationError('audience', `${input.audience} needs parameters of its own; name it as an explicit audience of ResolveRecipients, not in a routing rule`);
  }
  const channels = [...(input.channels ?? [])];
  if (!channels.length) throw new ValidationError('channels', 'needs at least one channel');
  const bad = channels.find((c) => !isChannel(c));
  if (bad !== undefined) throw new ValidationError('channels', `unknown channel "${bad}" (${CHANNELS.join(', ')})`);
  if (new Set(channels).size !== channels.length) throw new ValidationError('channels', 'lists a channel twice');
  if (GROUP_AUDIENCES.includes(input.audience) && channels.join() !== 'WHATSAPP') {
    throw new ValidationError('channels', `${input.audience} is a WhatsApp group audience: channels must be [WHATSAPP]`);
  }
  const templateKey = validateNotificationType(input.templateKey, 'template_key');
  const source = (input.source ?? '').trim();
  if (source.length > ROUTING_RULE_SOURCE_MAX) throw new ValidationError('source', `must be at most ${ROUTING_RULE_SOURCE_MAX} characters, got ${source.length}`);
  const rule = {
    notificationType,
    ticketType: input.ticketType,
    escalationLevel: input.escalationLevel,
    audience: input.audience,
    channels,
    templateKey,
    enabled: input.enabled,
    source,
  };
  return { id: routingRuleId(rule), ...rule };
}

/** True when `rule` applies to `context` (ticket type and escalation level conditions). */
export function ruleMatches(rule: RoutingRule, context: ResolutionContext): boolean {
  if (rule.ticketType !== null && rule.ticketType !== context.ticketType) return false;
  if (rule.escalationLevel !== null && rule.escalationLevel !== context.escalationLevel) return false;
  return true;
}

/** Why someone the rules named gets nothing. */
export const LEFT_OUT_REASONS = [
  'OPTED_OUT',
  'NO_PHONE',
  'INACTIVE',
  'CHANNEL_DISABLED',
  'NOTIFICATION_TYPE_OPTED_OUT',
  'NOT_FOUND',
  'IS_ACTOR',
  /** Its phone already gets the notification on that channel as another recipient (ResolveRecipients' de-duplication). */
  'SHARED_PHONE',
  /** A group asked for only on channels other than WhatsApp (groups take WhatsApp only). */
  'CHANNEL_UNSUPPORTED',
] as const;
export type LeftOutReason = (typeof LEFT_OUT_REASONS)[number];

/** `phone`: the bare phone of a PHONE audience (its id is the phone, E.164 digits; no id on the wire). */
export type RecipientKind = 'customer' | 'staff' | 'group' | 'phone';

/** One message to send: who, on which channel, to which address, rendered how, when. */
export interface Recipient {
  readonly kind: RecipientKind;
  readonly id: string;
  readonly name: string;
  readonly channel: Channel;
  /** E.164 digits for a person, the group chat id (`…@g.us`) for a group. */
  readonly address: string;
  readonly locale: Locale;
  /** Defer (not drop) inside this local window; null = none. */
  readonly quietHours: QuietHours | null;
  readonly timeZone: string;
  readonly templateKey: string;
  readonly audience: Audience;
  /** A staff recipient's role (from the staff record the resolution read); absent for others. */
  readonly role?: StaffRole;
  /**
   * true for a WhatsApp recipient whose number opted out of SMS or whose preferences switch SMS
   * off: the gateway must not send its WhatsApp → SMS fallback to them. Absent otherwise.
   */
  readonly smsFallbackRefused?: true;
}

export interface LeftOut {
  readonly kind: RecipientKind;
  readonly id: string;
  readonly name: string | null;
  readonly reason: LeftOutReason;
  readonly audience: Audience;
  /** OPTED_OUT: the one channel the phone opted out of, when exactly one of the rule's was skipped for an opt-out. */
  readonly channel?: Channel;
}

/** A person or group an audience named, with what resolution needs to judge it. */
export interface Candidate {
  readonly kind: RecipientKind;
  readonly id: string;
  readonly name: string;
  /** E.164 digits or group chat id; null = none on file. */
  readonly address: string | null;
  readonly active: boolean;
  /** The subject's preferences (the defaults when none are stored or for a bare phone). */
  readonly preferences: PreferenceValues;
  /** Channels this address opted out of (by phone). */
  readonly optedOutChannels: ReadonlySet<Channel>;
  /** For groups: the notification types it takes (empty = all). */
  readonly acceptsTypes?: readonly string[];
  /** The context named an id that does not exist (left out as NOT_FOUND). */
  readonly notFound?: boolean;
  /** A staff member's role. */
  readonly role?: StaffRole;
}

/**
 * Decides one candidate under one rule. In order: unknown id (NOT_FOUND), a group whose rule
 * has no WhatsApp among its channels (CHANNEL_UNSUPPORTED, naming the channel when the rule has
 * one: groups take WhatsApp only, so a group asked for on SMS alone is left out, never sent on
 * WhatsApp), the actor of the change (IS_ACTOR),
 * inactive (INACTIVE), no address (NO_PHONE), notification type opted out (preferences, or
 * a group not taking the type: NOTIFICATION_TYPE_OPTED_OUT); then the rule's channels in
 * order, skipping a channel the subject switched off or whose phone opted out of it; the
 * first remaining one wins. When none remains: OPTED_OUT if any channel was skipped for an
 * opt-out, else CHANNEL_DISABLED. Groups take WhatsApp only.
 */
export function judgeCandidate(
  candidate: Candidate,
  rule: RoutingRule,
  context: ResolutionContext,
): { recipient: Recipient } | { leftOut: LeftOut } {
  const out = (reason: LeftOutReason, channel?: Channel) => ({
    leftOut: { kind: candidate.kind, id: candidate.id, name: candidate.name || null, reason, audience: rule.audience, ...(channel ? { channel } : {}) },
  });
  if (candidate.notFound) return out('NOT_FOUND');
  if (candidate.kind === 'group' && !rule.channels.includes('WHATSAPP')) {
    return out('CHANNEL_UNSUPPORTED', rule.channels.length === 1 ? rule.channels[0] : undefined);
  }
  if (context.actorId && candidate.kind === 'staff' && candidate.id === context.actorId) return out('IS_ACTOR');
  if (!candidate.active) return out('INACTIVE');
  if (!candidate.address) return out('NO_PHONE');
  const prefs = candidate.preferences;
  if (prefs.optedOutTypes.includes(rule.notificationType)) return out('NOTIFICATION_TYPE_OPTED_OUT');
  if (candidate.acceptsTypes?.length && !candidate.acceptsTypes.includes(rule.notificationType)) {
    return out('NOTIFICATION_TYPE_OPTED_OUT');
  }
  const optedOut: Channel[] = [];
  for (const channel of rule.channels) {
    if (candidate.kind === 'group' && channel !== 'WHATSAPP') continue;
    if (!prefs.channels[channel]) continue;
    if (candidate.optedOutChannels.has(channel)) {
      optedOut.push(channel);
      continue;
    }
    return {
      recipient: {
        kind: candidate.kind,
        id: candidate.id,
        name: candidate.name,
        channel,
        address: candidate.address,
        locale: prefs.locale,
        quietHours: prefs.quietHours,
        timeZone: prefs.timeZone,
        templateKey: rule.templateKey,
        audience: rule.audience,
        ...(candidate.role ? { role: candidate.role } : {}),
        // The WhatsApp → SMS fallback is an SMS too: not to a number that opted out of SMS, nor to
        // someone who switched SMS off; only the customer service knows either.
        ...(channel === 'WHATSAPP' && candidate.kind !== 'group' && (!prefs.channels.SMS || candidate.optedOutChannels.has('SMS')) ? { smsFallbackRefused: true as const } : {}),
      },
    };
  }
  if (optedOut.length === 0) return out('CHANNEL_DISABLED');
  return out('OPTED_OUT', optedOut.length === 1 ? optedOut[0] : undefined);
}

/**
 * How specific a rule is: 0 for any ticket type and level, 1 with a ticket type, 2 with an
 * escalation level, 3 with both. The level outranks the ticket type: for an escalation it is what
 * decides who must act (QA: a PSB rule and a level-1 rule of one audience tied, and which one
 * applied was an accident of the de-duplication).
 */
export function ruleSpecificity(r: Pick<RoutingRule, 'ticketType' | 'escalationLevel'>): number {
  return (r.ticketType === null ? 0 : 1) + (r.escalationLevel === null ? 0 : 2);
}

/**
 * Of the rules that match one notification (enabled or not), per audience only the most specific
 * ({@link ruleSpecificity}) decides, and only if it is enabled: a rule for the ticket's type (or
 * escalation level) replaces the any-type rule of the same audience, channels and template alike —
 * `ticket.created/GANGGUAN/*\/CUSTOMER` over `ticket.created/*\/*\/CUSTOMER` for a GANGGUAN ticket
 * (QA: with both, a customer got the message twice, once per channel) — and disabling it silences
 * that audience for those tickets rather than handing them to the any-type rule (QA: `routing set
 * --disable` promised "its audience hears nothing"). Order is kept.
 */
export function mostSpecificRules<R extends Pick<RoutingRule, 'audience' | 'ticketType' | 'escalationLevel' | 'enabled'>>(matching: readonly R[]): R[] {
  const best = new Map<Audience, number>();
  for (const r of matching) best.set(r.audience, Math.max(best.get(r.audience) ?? 0, ruleSpecificity(r)));
  return matching.filter((r) => r.enabled && ruleSpecificity(r) === best.get(r.audience));
}

/** Audience order in a resolution: most specific first, so de-duplication keeps the most specific template. */
export function audienceRank(a: Audience): number {
  return AUDIENCES.indexOf(a);
}
