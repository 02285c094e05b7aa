import { ValidationError } from '@notify/errors';
import { CHANNELS, isChannel, type Channel } from './channel';
import { normalizeRecipientPhone } from './phone';
import { audienceRank, GROUP_AUDIENCES, isAudience, ruleMatches, type Audience, type ResolutionContext, type RoutingRule } from './routing';
import { isStaffRole, STAFF_ROLES, type StaffRole } from './staff';
import { normalizeWorkZone } from '@notify/work-zone';

/**
 * Explicit audiences of ResolveRecipients (proto notify.customer.v1.ResolveRecipientsRequest
 * `audiences` + `channels`): "When non-empty, these audiences replace the routing rules'
 * audiences (Broadcast, campaigns); the channels are then `channels`". Each audience becomes a
 * synthetic {@link RoutingRule} with its own resolution context, and goes through the same
 * candidate → judge → de-duplicate path as stored rules (opt-outs, preferences, quiet hours and
 * inactive people / groups are left out the same way).
 */

/** One requested audience with its parameters (proto notify.common.v1.Audience; empty strings = absent). */
export interface ExplicitAudience {
  /** Domain audience name, e.g. `AREA_CUSTOMERS`, `GROUP`, `STAFF_ROLES`. */
  readonly audience: string;
  /** Work-zone slug for AREA_CUSTOMERS, ZONE_TECHNICIANS, ZONE_TECHNICIAN_GROUP, SUPERVISORS, MANAGERS. */
  readonly workZone?: string;
  /** Group id for GROUP. */
  readonly groupId?: string;
  /** Staff roles for STAFF_ROLES (`service` is not a staff role → ValidationError). */
  readonly roles?: readonly string[];
  /** Customer id for CUSTOMER when the context has none. */
  readonly customerId?: string;
  /** Staff id for ASSIGNED_TECHNICIAN when the context has none. */
  readonly staffId?: string;
  /** Phone (any common form) for PHONE. */
  readonly phone?: string;
}

/** A synthetic rule for one explicit audience and the context its candidates are resolved against. */
export interface AudienceRule {
  readonly rule: RoutingRule;
  readonly context: ResolutionContext;
}

/** Channels of explicit audiences when the request gives none (proto: "empty = [CHANNEL_WHATSAPP]"). */
export const DEFAULT_EXPLICIT_CHANNELS: readonly Channel[] = ['WHATSAPP'];

/**
 * The template key of an explicit audience's synthetic rule. Choice (documented in
 * customer_service.proto's ResolveRecipients): the stored rules of the notification type decide
 * the text, so an explicit audience reads the same template a rule-routed notification of that
 * type would:
 *   1. the stored rule of the type for the same audience (enabled, matching the context's ticket
 *      type / escalation level first), e.g. `campaign.maintenance` AREA_CUSTOMERS → `maintenance.notice`;
 *   2. else the type's first rule (same preference, then audience order, then id), e.g. a GROUP
 *      audience of `campaign.emergency` → `emergency.alert`;
 *   3. else the notification type key itself (e.g. `upgrade.offer`, the template service's key
 *      for most API-triggered types; TEMPLATES.md).
 * The gateway renders the request's own template_key instead when the Notify / Broadcast names one.
 */
export function explicitTemplateKey(notificationType: string, audience: Audience, stored: readonly RoutingRule[], context: ResolutionContext): string {
  const preference = (r: RoutingRule) => (r.enabled && ruleMatches(r, context) ? 0 : r.enabled ? 1 : 2);
  const ordered = [...stored]
    .filter((r) => r.notificationType === notificationType)
    .sort((a, b) => preference(a) - preference(b) || audienceRank(a.audience) - audienceRank(b.audience) || a.id.localeCompare(b.id));
  return (ordered.find((r) => r.audience === audience) ?? ordered[0])?.templateKey ?? notificationType;
}

const trimmed = (v: string | undefined): string | undefined => (v && v.trim() ? v.trim() : undefined);

/**
 * Explicit audiences → synthetic rules, ordered most specific audience first (then request
 * order) so de-duplication keeps the most specific template, as with stored rules.
 *
 * Per audience `i` (field names as in the proto, e.g. `audiences[0].work_zone`):
 *   - kind: a known audience → else ValidationError(`audiences[i].kind`);
 *   - AREA_CUSTOMERS needs work_zone (or context work zone / area), ZONE_TECHNICIANS and
 *     ZONE_TECHNICIAN_GROUP work_zone (or context work zone), CUSTOMER customer_id (or context
 *     customer), ASSIGNED_TECHNICIAN staff_id (or context technician), GROUP group_id, STAFF_ROLES
 *     a non-empty roles list of staff roles (no `service`), PHONE a valid phone (normalized to
 *     E.164 digits) → else ValidationError naming the field;
 *   - an audience's work_zone narrows SUPERVISORS / MANAGERS / ALL_TECHNICIANS / ALL_CUSTOMERS too.
 * Channels: `channels` in preference order (known, no repeats) or [WHATSAPP] when empty; group
 * audiences (GROUP, *_GROUP, ALL_GROUPS) are WhatsApp only, so their rule takes [WHATSAPP] when
 * `channels` include it (a Broadcast to an area on [WHATSAPP, SMS] plus a group is valid: the group
 * gets WhatsApp), and `channels` as given when they do not ([SMS]): `judgeCandidate` then leaves
 * each group out as CHANNEL_UNSUPPORTED (QA: a group asked for on SMS was silently sent WhatsApp).
 * A GROUP id that does not exist is not an error: the group is left out as NOT_FOUND, like an
 * unknown CUSTOMER id, so the other audiences of a Broadcast still get the message and a paged
 * resolution never fails half-way.
 */
export function explicitAudienceRules(input: {
  readonly notificationType: string;
  readonly audiences: readonly ExplicitAudience[];
  readonly channels: readonly string[];
  readonly context: ResolutionContext;
  /** The type's stored rules (for the template key; may be empty). */
  readonly storedRules: readonly RoutingRule[];
}): AudienceRule[] {
  const channels = validateChannels(input.channels);
  const ctx = input.context;
  const out: { rule: AudienceRule; index: number }[] = [];
  input.audiences.forEach((a, i) => {
    const field = (name: string) => `audiences[${i}].${name}`;
    if (!isAudience(a.audience)) throw new ValidationError(field('kind'), `must be a known audience, got "${a.audience}"`);
    const audience = a.audience;
    const zone = trimmed(a.workZone) ? normalizeWorkZone(a.workZone!, field('work_zone')) : undefined;
    const own: { -readonly [K in keyof ResolutionContext]: ResolutionContext[K] } = { ...ctx };
    if (zone) {
      own.workZone = zone;
      own.area = zone;
    }
    const customerId = trimmed(a.customerId);
    const staffId = trimmed(a.staffId);
    if (customerId) own.customerId = customerId;
    if (staffId) own.technicianId = staffId;
    delete own.groupId;
    delete own.roles;
    delete own.phone;
    switch (audience) {
      case 'AREA_CUSTOMERS':
        if (!own.area) throw new ValidationError(field('work_zone'), 'AREA_CUSTOMERS needs a work zone (the audience\'s or the context\'s)');
        break;
      case 'ZONE_TECHNICIANS':
      case 'ZONE_TECHNICIAN_GROUP':
        if (!own.workZone) throw new ValidationError(field('work_zone'), `${audience} needs a work zone (the audience's or the context's)`);
        break;
      case 'CUSTOMER':
        if (!own.customerId) throw new ValidationError(field('customer_id'), 'CUSTOMER needs a customer id (the audience\'s or the context\'s)');
        break;
      case 'ASSIGNED_TECHNICIAN':
        if (!own.technicianId) throw new ValidationError(field('staff_id'), 'ASSIGNED_TECHNICIAN needs a staff id (the audience\'s or the context\'s technician)');
        break;
      case 'GROUP': {
        const groupId = trimmed(a.groupId);
        if (!groupId) throw new ValidationError(field('group_id'), 'GROUP needs a group id');
        own.groupId = groupId;
        break;
      }
      case 'STAFF_ROLES': {
        const roles = a.roles ?? [];
        if (!roles.length) throw new ValidationError(field('roles'), 'STAFF_ROLES needs at least one staff role');
        const bad = roles.find((r) => !isStaffRole(r));
        if (bad !== undefined) throw new ValidationError(field('roles'), `must be staff roles (${STAFF_ROLES.join(', ')}), got "${bad}"`);
        own.roles = [...new Set(roles as StaffRole[])];
        break;
      }
      case 'PHONE':
        own.phone = normalizeRecipientPhone(a.phone ?? '', 'ID', field('phone'));
        break;
      case 'OFFERED_TECHNICIANS':
      case 'OFFERED_TECHNICIAN_GROUP':
        // Who an offer reached is the gateway's record of a ticket's messages, not a parameter.
        throw new ValidationError(field('kind'), `${audience} is for routing rules only (ticket.cancelled of an unassigned ticket); name ${audience === 'OFFERED_TECHNICIANS' ? 'ZONE_TECHNICIANS' : 'ZONE_TECHNICIAN_GROUP'} with a work zone instead`);
      case 'PREVIOUS_TECHNICIAN':
        if (!own.previousTechnicianId) throw new ValidationError(field('kind'), 'PREVIOUS_TECHNICIAN needs the context\'s previous technician (a reassignment)');
        break;
      default:
        break;
    }
    const rule: RoutingRule = {
      id: `${input.notificationType}/explicit/${i}/${audience}`,
      notificationType: input.notificationType,
      ticketType: null,
      escalationLevel: null,
      audience,
      channels: GROUP_AUDIENCES.includes(audience) && channels.includes('WHATSAPP') ? ['WHATSAPP'] : channels,
      templateKey: explicitTemplateKey(input.notificationType, audience, input.storedRules, ctx),
      enabled: true,
      source: `ResolveRecipients audiences[${i}]`,
    };
    out.push({ rule: { rule, context: own }, index: i });
  });
  return out
    .sort((x, y) => audienceRank(x.rule.rule.audience) - audienceRank(y.rule.rule.audience) || x.index - y.index)
    .map((x) => x.rule);
}

function validateChannels(list: readonly string[]): Channel[] {
  if (!list.length) return [...DEFAULT_EXPLICIT_CHANNELS];
  const bad = list.find((c) => !isChannel(c));
  if (bad !== undefined) throw new ValidationError('channels', `unknown channel "${bad}" (${CHANNELS.join(', ')})`);
  if (new Set(list).size !== list.length) throw new ValidationError('channels', 'lists a channel twice');
  return [...list] as Channel[];
}
