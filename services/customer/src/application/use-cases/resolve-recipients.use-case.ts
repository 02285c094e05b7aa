import { NotFoundError, ValidationError } from '@notify/errors';
import {
  audienceRank,
  mostSpecificRules,
  AUDIENCE_REQUIRES,
  coversZone,
  DEFAULT_PREFERENCE_VALUES,
  defaultPreferences,
  explicitAudienceRules,
  judgeCandidate,
  ruleMatches,
  subjectKey,
  validateNotificationType,
  type Audience,
  type Candidate,
  type Channel,
  type AudienceRule,
  type Customer,
  type ExplicitAudience,
  type LeftOut,
  type NotificationPreferences,
  type Recipient,
  type RecipientKind,
  type ResolutionContext,
  type RoutingRule,
  type Staff,
  type StaffRole,
  type WhatsAppGroup,
} from '../../domain';
import { normalizeWorkZone } from '@notify/work-zone';
import type { CandidateFactsReader, CustomerRepository, GroupRepository, RoutingRuleRepository, StaffRepository } from '../ports';
import { authorize, type Principal } from '../principal';

export interface ResolveRecipientsInput {
  /** e.g. `ticket.created`, `sla.warning`, `campaign.maintenance`. */
  readonly notificationType: string;
  readonly context: ResolutionContext;
  /**
   * Explicit audiences (proto ResolveRecipientsRequest.audiences): when non-empty they replace
   * the routing rules' audiences (see `explicitAudienceRules` for validation and template keys).
   */
  readonly audiences?: readonly ExplicitAudience[];
  /** Channels of the explicit audiences in preference order (domain names); empty = [WHATSAPP]. */
  readonly channels?: readonly string[];
}

/** A rule that matched but could not be resolved because the context lacks a field. */
export interface SkippedRule {
  readonly ruleId: string;
  readonly audience: Audience;
  /** The missing context field (snake_case, as in the proto). */
  readonly missing: string;
}

/**
 * Where the resolution stands after an item: rule `rule` (index in resolution order), `consumed`
 * candidates of that rule judged, the last one's id. `stream(…, after)` continues from there.
 */
export interface ResolutionPosition {
  readonly rule: number;
  readonly consumed: number;
  readonly lastId: string;
}

export type ResolutionItem = (
  | { readonly recipient: Recipient }
  | { readonly leftOut: LeftOut }
  | { readonly skippedRule: SkippedRule }
) & {
  /** The position right after this item (a page token that resumes the stream after it). */
  readonly at: ResolutionPosition;
};

export interface ResolveRecipientsResult {
  readonly recipients: Recipient[];
  readonly leftOut: LeftOut[];
  readonly skippedRules: SkippedRule[];
}

export interface ResolveRecipientsDeps {
  readonly rules: RoutingRuleRepository;
  readonly customers: CustomerRepository;
  readonly staff: StaffRepository;
  readonly groups: GroupRepository;
  /** Preferences and opt-outs of each batch of candidates (one round trip per batch). */
  readonly facts: CandidateFactsReader;
}

/** Candidates are judged in batches of this size (one CandidateFactsReader read per batch). */
export const RESOLUTION_BATCH_SIZE = 500;

const FIELD_NAMES: Record<string, string> = {
  customerId: 'customer_id',
  technicianId: 'technician_id',
  previousTechnicianId: 'previous_technician_id',
  workZone: 'work_zone',
  area: 'area',
  groupId: 'group_id',
  roles: 'roles',
  phone: 'phone',
};

/** A candidate before preferences and opt-outs are attached. */
type Bare = Omit<Candidate, 'preferences' | 'optedOutChannels'>;

/**
 * ResolveRecipients: who gets a notification, on which channel, at which address, in which
 * locale and quiet-hours window, with which template — and who is left out and why.
 *
 * 1. The stored routing rules of the type that match the context (ticket
 *    type, escalation level). No rules at all for the type → NotFound('routing rules', type).
 *    A matching rule whose audience needs a missing context field is reported in
 *    `skippedRules` (e.g. ASSIGNED_TECHNICIAN of an SLA warning on an unassigned ticket).
 * 2. Rules in audience order (most specific first: customer, assigned technician,
 *    supervisors, managers, zone technicians, …, groups, area customers); within one
 *    audience only the most specific matching rule decides, if enabled (`mostSpecificRules`: a
 *    ticket-type or escalation-level rule replaces the any-type one for its tickets, disabled
 *    too); each audience's
 *    candidates are judged (`judgeCandidate`: actor, inactive, no phone, type opt-out, then
 *    the first accepted channel, with per-channel opt-outs by phone).
 * 3. De-duplication: one recipient per (channel, address) — the first, most specific, wins;
 *    another person at that address is left out (SHARED_PHONE, naming the channel; a bare
 *    phone there is reached already, not left out); one
 *    left-out entry per subject, and none for a subject that is already a recipient.
 *
 * With explicit `audiences` (Broadcast, campaigns, Notify to a group), step 1 is replaced: each
 * audience becomes a synthetic rule (`explicitAudienceRules`: its parameters, the request's
 * channels or [WHATSAPP], the template key of the type's stored rules or the type key) and
 * steps 2 and 3 are the same. A type without stored rules is fine then. Missing parameters →
 * ValidationError naming the field (`audiences[0].work_zone`, `.group_id`, `.roles`, …).
 * GROUP: the one group with that id (inactive → INACTIVE, unknown → NOT_FOUND, left out);
 * STAFF_ROLES: staff with any of the roles, name order (inactive → INACTIVE);
 * PHONE: the one bare phone, judged by the default preferences and its own opt-outs (opted out
 * of every requested channel → OPTED_OUT); kind `phone`, its id the phone. Ranked last, so a
 * phone that is also a resolved person's address is that person's.
 *
 * `stream` yields items as it goes (AREA_CUSTOMERS / ALL_CUSTOMERS read customers as a
 * stream and judge them 500 at a time: 100,000 customers never sit in memory; only the
 * de-duplication keys do). `resolve` collects everything for small audiences.
 *
 * Resuming (`stream(…, after)`, a page of ResolveRecipients): each item carries its position
 * (rule index, candidates of the rule consumed, last candidate id). From `after`, the rules before
 * `after.rule` and the first `after.consumed` candidates of rule `after.rule` are judged again
 * without yielding anything, only to rebuild the de-duplication state, except when `after.rule`
 * is the last rule (a broadcast's one audience; area / all customers rank last): no later rule
 * needs that state, so it skips ahead: customer audiences by keyset on the id
 * (`streamActive({ afterId })`: the customers already paged are not read again, every page costs
 * about the same), staff / group lists by skipping that many. Within one rule no two candidates
 * share a subject or an address (unique phones and chat ids), so the rule's own later items never
 * need its earlier ones. Rules and candidates come in a deterministic order, so a position is
 * stable while the directory does not change.
 * Roles: ResolveRecipients (BatchResolveRecipients has the same list). Errors: PermissionDenied, Validation (notification_type,
 * context.*), NotFound (no rules for the type).
 */
export class ResolveRecipientsUseCase {
  constructor(private readonly deps: ResolveRecipientsDeps) {}

  async resolve(principal: Principal, input: ResolveRecipientsInput): Promise<ResolveRecipientsResult> {
    const result: ResolveRecipientsResult = { recipients: [], leftOut: [], skippedRules: [] };
    for await (const item of this.stream(principal, input)) {
      if ('recipient' in item) result.recipients.push(item.recipient);
      else if ('leftOut' in item) result.leftOut.push(item.leftOut);
      else result.skippedRules.push(item.skippedRule);
    }
    return result;
  }

  async *stream(principal: Principal, input: ResolveRecipientsInput, after?: ResolutionPosition): AsyncGenerator<ResolutionItem> {
    authorize(principal, 'ResolveRecipients', 'resolve recipients');
    const type = validateNotificationType(input.notificationType);
    const context = normalizeContext(input.context ?? {});
    const all = await this.deps.rules.list({ notificationType: type });
    let rules: AudienceRule[];
    if (input.audiences?.length) {
      rules = explicitAudienceRules({ notificationType: type, audiences: input.audiences, channels: input.channels ?? [], context, storedRules: all });
    } else {
      if (!all.length) throw new NotFoundError('routing rules for notification type', type);
      rules = mostSpecificRules(all.filter((r) => ruleMatches(r, context)))
        .sort((a, b) => audienceRank(a.audience) - audienceRank(b.audience) || a.id.localeCompare(b.id))
        .map((rule) => ({ rule, context }));
    }
    // The bare phones of PHONE audiences (a Notify names up to 1000, one audience each): their
    // opt-outs are read up front, RESOLUTION_BATCH_SIZE phones a read, not one read per audience.
    const phoneOptOuts = await this.optOutsOf(rules.flatMap(({ rule, context: c }) => (rule.audience === 'PHONE' && c.phone ? [c.phone] : [])));

    /** `<channel>|<address>` → the subject (`<kind>:<id>`) that gets the message there. */
    const sent = new Map<string, string>();
    const recipientSubjects = new Set<string>();
    const leftOutSubjects = new Set<string>();
    for (const [index, { rule, context: ruleContext }] of rules.entries()) {
      // Before the resume point a rule is replayed: judged for the de-duplication state, nothing yielded.
      const replay = after !== undefined && index < after.rule;
      const resumeHere = after !== undefined && index === after.rule;
      const needs = AUDIENCE_REQUIRES[rule.audience];
      if (needs && ruleContext[needs] === undefined) {
        if (!replay && !resumeHere) yield { skippedRule: { ruleId: rule.id, audience: rule.audience, missing: FIELD_NAMES[needs] ?? needs }, at: { rule: index + 1, consumed: 0, lastId: '' } };
        continue;
      }
      // The last rule resumes by skipping ahead (keyset for customers): no later rule needs the
      // de-duplication state of its earlier candidates. Another rule replays those candidates.
      const skipAhead = resumeHere && index === rules.length - 1;
      let consumed = skipAhead ? after.consumed : 0;
      const source = skipAhead ? this.candidatesAfter(rule.audience, ruleContext, after) : this.candidates(rule.audience, ruleContext);
      for await (const batch of batches(source, RESOLUTION_BATCH_SIZE)) {
        const judged = await this.judgeBatch(batch, rule, ruleContext, phoneOptOuts);
        for (const [i, verdict] of judged.entries()) {
          const at: ResolutionPosition = { rule: index, consumed: ++consumed, lastId: batch[i]!.id };
          const quiet = replay || (resumeHere && consumed <= after.consumed);
          if ('recipient' in verdict) {
            const r = verdict.recipient;
            const key = `${r.channel}|${r.address}`;
            const subject = `${r.kind}:${r.id}`;
            const owner = sent.get(key);
            if (owner !== undefined) {
              // Another person on the same phone and channel: they get nothing, and are said so
              // (a technician whose phone is the customer's lost the job offer without a word).
              // A bare phone (PHONE audience, ranked last) is that address, reached already.
              if (owner !== subject && r.kind !== 'phone' && !recipientSubjects.has(subject) && !leftOutSubjects.has(subject)) {
                leftOutSubjects.add(subject);
                if (!quiet) yield { leftOut: { kind: r.kind, id: r.id, name: r.name || null, reason: 'SHARED_PHONE', audience: rule.audience, channel: r.channel }, at };
              }
              continue;
            }
            sent.set(key, subject);
            recipientSubjects.add(subject);
            if (!quiet) yield { ...verdict, at };
          } else {
            const subject = `${verdict.leftOut.kind}:${verdict.leftOut.id}`;
            if (leftOutSubjects.has(subject) || recipientSubjects.has(subject)) continue;
            leftOutSubjects.add(subject);
            if (!quiet) yield { ...verdict, at };
          }
        }
      }
    }
  }

  /** The channels each of `phones` opted out of, read RESOLUTION_BATCH_SIZE phones at a time. */
  private async optOutsOf(phones: readonly string[]): Promise<ReadonlyMap<string, ReadonlySet<Channel>>> {
    const out = new Map<string, ReadonlySet<Channel>>();
    const unique = [...new Set(phones)];
    for (let i = 0; i < unique.length; i += RESOLUTION_BATCH_SIZE) {
      const { optedOut } = await this.deps.facts.factsOf([], unique.slice(i, i + RESOLUTION_BATCH_SIZE));
      for (const [phone, channels] of optedOut) out.set(phone, channels);
    }
    return out;
  }

  /** Judges a batch of one rule's candidates; a PHONE rule's phone uses `phoneOptOuts` (read up front) instead of a read of its own. */
  private async judgeBatch(batch: Bare[], rule: RoutingRule, context: ResolutionContext, phoneOptOuts: ReadonlyMap<string, ReadonlySet<Channel>>) {
    // A bare phone has no preferences of its own (no subject), only the opt-outs of its number.
    const subjects = batch.flatMap((c) => (c.kind === 'phone' ? [] : [{ kind: c.kind, id: c.id }]));
    const phones = [...new Set(batch.filter((c) => c.kind !== 'group' && c.address).map((c) => c.address!))];
    const { preferences: prefs, optedOut: optOuts } = rule.audience === 'PHONE'
      ? { preferences: new Map<string, NotificationPreferences>(), optedOut: phoneOptOuts }
      : await this.deps.facts.factsOf(subjects, phones);
    return batch.map((c) =>
      judgeCandidate(
        {
          ...c,
          preferences: c.kind === 'phone' ? DEFAULT_PREFERENCE_VALUES : (prefs.get(subjectKey({ kind: c.kind, id: c.id })) ?? defaultPreferences({ kind: c.kind, id: c.id })),
          optedOutChannels: (c.kind !== 'group' && c.address && optOuts.get(c.address)) || new Set<Channel>(),
        },
        rule,
        context,
      ),
    );
  }

  /** The people / groups an audience names, as bare candidates. */
  private async *candidates(audience: Audience, ctx: ResolutionContext): AsyncGenerator<Bare> {
    const zone = ctx.workZone;
    switch (audience) {
      case 'CUSTOMER': {
        const c = await this.deps.customers.findById(ctx.customerId!);
        yield c ? fromCustomer(c) : missing('customer', ctx.customerId!);
        return;
      }
      case 'ASSIGNED_TECHNICIAN': {
        const s = await this.deps.staff.findById(ctx.technicianId!);
        yield s ? fromStaff(s) : missing('staff', ctx.technicianId!);
        return;
      }
      case 'PREVIOUS_TECHNICIAN': {
        const s = await this.deps.staff.findById(ctx.previousTechnicianId!);
        yield s ? fromStaff(s) : missing('staff', ctx.previousTechnicianId!);
        return;
      }
      case 'ZONE_TECHNICIANS':
        yield* this.staffOf(['technician'], (s) => coversZone(s, zone!));
        return;
      case 'OFFERED_TECHNICIANS':
        // An assigned ticket's offers were answered: its technician is ASSIGNED_TECHNICIAN's.
        if (!ctx.technicianId) yield* this.staffOf(['technician'], (s) => coversZone(s, zone!));
        return;
      case 'ALL_TECHNICIANS':
        yield* this.staffOf(['technician'], (s) => (!zone || coversZone(s, zone)) && (!ctx.technicianId || s.id === ctx.technicianId));
        return;
      case 'SUPERVISORS':
        yield* this.staffOf(['supervisor'], (s) => !zone || coversZone(s, zone));
        return;
      case 'MANAGERS':
        yield* this.staffOf(['manager'], (s) => !zone || coversZone(s, zone));
        return;
      case 'ALL_STAFF':
        yield* this.staffOf(null, () => true);
        return;
      case 'STAFF_ROLES':
        yield* this.staffOf(ctx.roles!, () => true);
        return;
      case 'GROUP': {
        const g = await this.deps.groups.findById(ctx.groupId!);
        yield g ? fromGroup(g) : missing('group', ctx.groupId!);
        return;
      }
      case 'ZONE_TECHNICIAN_GROUP':
        yield* this.groupsOf((g) => g.category === 'technicians' && (g.workZone === null || g.workZone === zone));
        return;
      case 'OFFERED_TECHNICIAN_GROUP':
        if (!ctx.technicianId) yield* this.groupsOf((g) => g.category === 'technicians' && (g.workZone === null || g.workZone === zone));
        return;
      case 'SUPERVISOR_GROUP':
        yield* this.groupsOf((g) => g.category === 'supervisors' && (!zone || g.workZone === null || g.workZone === zone));
        return;
      case 'MANAGEMENT_GROUP':
        yield* this.groupsOf((g) => g.category === 'managers');
        return;
      case 'NOC_GROUP':
        yield* this.groupsOf((g) => g.category === 'noc');
        return;
      case 'CUSTOMER_SERVICE_GROUP':
        yield* this.groupsOf((g) => g.category === 'customer_service');
        return;
      case 'ALL_GROUPS':
        yield* this.groupsOf(() => true);
        return;
      case 'AREA_CUSTOMERS':
      case 'ALL_CUSTOMERS':
        for await (const c of this.deps.customers.streamActive(ctx.area ? { area: ctx.area } : {})) yield fromCustomer(c);
        return;
      case 'PHONE':
        yield fromPhone(ctx.phone!);
        return;
    }
  }

  /** The candidates of an audience after `after.consumed` of them (keyset on the id for customer audiences). */
  private async *candidatesAfter(audience: Audience, ctx: ResolutionContext, after: ResolutionPosition): AsyncGenerator<Bare> {
    if (audience === 'AREA_CUSTOMERS' || audience === 'ALL_CUSTOMERS') {
      const filter = { ...(ctx.area ? { area: ctx.area } : {}), ...(after.lastId ? { afterId: after.lastId } : {}) };
      for await (const c of this.deps.customers.streamActive(filter)) yield fromCustomer(c);
      return;
    }
    let skipped = 0;
    for await (const c of this.candidates(audience, ctx)) {
      if (skipped < after.consumed) {
        skipped += 1;
        continue;
      }
      yield c;
    }
  }

  private async *staffOf(roles: readonly StaffRole[] | null, keep: (s: Staff) => boolean): AsyncGenerator<Bare> {
    const all = await this.deps.staff.listByRoles(roles);
    for (const s of [...all].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))) {
      if (keep(s)) yield fromStaff(s);
    }
  }

  private async *groupsOf(keep: (g: WhatsAppGroup) => boolean): AsyncGenerator<Bare> {
    for (const g of await this.deps.groups.list({})) if (keep(g)) yield fromGroup(g);
  }
}

function fromCustomer(c: Customer): Bare {
  return { kind: 'customer', id: c.id, name: c.name, address: c.phone, active: true };
}
function fromStaff(s: Staff): Bare {
  return { kind: 'staff', id: s.id, name: s.name, address: s.phone, active: s.active, role: s.role };
}
function fromGroup(g: WhatsAppGroup): Bare {
  return { kind: 'group', id: g.id, name: g.name, address: g.chatId, active: g.active, acceptsTypes: g.notificationTypes };
}
/** A bare phone (E.164 digits): no directory entry, so no name; its id is the phone (one subject per number). */
function fromPhone(phone: string): Bare {
  return { kind: 'phone', id: phone, name: '', address: phone, active: true };
}
/** An id the context named that does not exist (left out as NOT_FOUND, so the others still get the message). */
function missing(kind: RecipientKind, id: string): Bare {
  return { kind, id, name: '', address: null, active: false, notFound: true };
}

async function* batches<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of source) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

function normalizeContext(raw: ResolutionContext): ResolutionContext {
  const ctx: { -readonly [K in keyof ResolutionContext]: ResolutionContext[K] } = {};
  const str = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);
  if (str(raw.ticketId)) ctx.ticketId = str(raw.ticketId);
  if (str(raw.customerId)) ctx.customerId = str(raw.customerId);
  if (str(raw.technicianId)) ctx.technicianId = str(raw.technicianId);
  if (str(raw.previousTechnicianId)) ctx.previousTechnicianId = str(raw.previousTechnicianId);
  if (str(raw.actorId)) ctx.actorId = str(raw.actorId);
  if (str(raw.workZone)) ctx.workZone = normalizeWorkZone(raw.workZone!, 'context.work_zone');
  if (str(raw.area)) ctx.area = normalizeWorkZone(raw.area!, 'context.area');
  if (raw.ticketType !== undefined && (raw.ticketType as string) !== '') {
    if (raw.ticketType !== 'GANGGUAN' && raw.ticketType !== 'PSB') {
      throw new ValidationError('context.ticket_type', `must be GANGGUAN or PSB, got "${raw.ticketType}"`);
    }
    ctx.ticketType = raw.ticketType;
  }
  if (raw.escalationLevel !== undefined && raw.escalationLevel !== null) {
    if (![0, 1, 2].includes(raw.escalationLevel)) {
      throw new ValidationError('context.escalation_level', `must be 0, 1 or 2, got ${raw.escalationLevel}`);
    }
    ctx.escalationLevel = raw.escalationLevel;
  }
  return ctx;
}
