import { AlreadyExistsError, FailedPreconditionError, NotFoundError, PermissionDeniedError, ValidationError } from '@notify/errors';
import { eventIdFrom } from '@notify/events';
import { decodePageToken, encodePageToken, resolvePageSize } from '@notify/paging';
import { commonv1, defaultPriority, mayRoleSend } from '@notify/proto';
import { isWorkZone } from '@notify/work-zone';
import {
  CUSTOMER_RECIPIENT_VARIABLES,
  KIND_NOTIFICATION_TYPE,
  SEND_AT_PAST_TOLERANCE_MS,
  campaignRenderTargets,
  cancelCampaign,
  type Campaign,
  type CampaignActor,
  type CampaignAudience,
  type CampaignKind,
  type CampaignStatus,
} from '../../domain';
import type { CampaignCursor, CampaignStore, Clock, IdGenerator, TemplateCatalog, TrialRender } from '../ports';

/**
 * The id of a campaign's campaign_due event (UUID v5 of the campaign id, so a re-run publishes
 * the same Nats-Msg-Id): the idempotency key of the gateway's notification for the campaign
 * (proto Campaign.due_event_id).
 */
export const campaignDueEventId = (campaignId: string): string => eventIdFrom('campaign_due', campaignId);

/** ScheduleCampaign input (proto enums as their names; '' / null = unspecified). */
export interface ScheduleCampaignInput {
  readonly name: string;
  readonly kind: CampaignKind | null;
  /** `NOTIFICATION_TYPE_*`; null = derived from kind. */
  readonly notificationType: string | null;
  readonly templateKey: string;
  readonly audience: readonly CampaignAudience[];
  readonly variables: Readonly<Record<string, unknown>>;
  /** null = now. */
  readonly sendAt: Date | null;
  /** `PRIORITY_*`; null = NORMAL (emergency alerts: URGENT). */
  readonly priority: string | null;
  /** `CHANNEL_*`; empty = [CHANNEL_WHATSAPP]. */
  readonly channels: readonly string[];
  /** Idempotency key; '' = none. */
  readonly requestId: string;
  readonly createdBy: CampaignActor | null;
}

/** A UUID in its canonical text form (campaign ids; the ids the customer service gives groups, customers and staff). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parameters an audience kind cannot do without (proto notify.common.v1.Audience: work_zone for
 * AREA_CUSTOMERS — a maintenance notice is by area —, group_id for GROUP, roles for STAFF_ROLES).
 */
const AUDIENCE_PARAMETER: Readonly<Record<string, { readonly field: string; readonly absent: (a: CampaignAudience) => boolean }>> = {
  AUDIENCE_KIND_AREA_CUSTOMERS: { field: 'work_zone', absent: (a) => a.workZone.trim() === '' },
  AUDIENCE_KIND_GROUP: { field: 'group_id', absent: (a) => a.groupId.trim() === '' },
  AUDIENCE_KIND_STAFF_ROLES: { field: 'roles', absent: (a) => a.roles.length === 0 },
};

/**
 * What the dispatch of a due campaign did: SENT (campaign_due published) or FAILED (the
 * template no longer renders with its variables); `templateCheck` says whether the check ran
 * (`skipped`: the template service could not be asked — `checkError` — and the campaign was
 * sent anyway, the gateway renders and retries itself).
 */
export interface CampaignDispatch {
  readonly campaign: Campaign;
  readonly templateCheck: 'passed' | 'failed' | 'skipped';
  readonly checkError?: unknown;
}

const MAX_NAME = 200;
/** Longest ScheduleCampaign `request_id` and CancelCampaign `reason` (characters). */
export const CAMPAIGN_TEXT_MAX = { requestId: 200, cancelReason: 500 } as const;

/**
 * The campaign RPCs (ScheduleCampaign, CancelCampaign, ListCampaigns) and the dispatch of a
 * due campaign. A campaign becomes due through a pg-boss job per campaign started after
 * send_at (enqueued in the same transaction as the campaign row, see CampaignStore.create);
 * whichever replica's worker takes it calls {@link dispatchDue}, whose conditional
 * SCHEDULED → SENT update and outbox append share one transaction, so exactly one
 * CampaignDueEvent is published per campaign however often the job is delivered, and none
 * after a cancel. The due time is pg-boss's (database clock); the injectable clock decides
 * validation ("in the past") and the recorded times.
 */
export class ManageCampaignsUseCase {
  constructor(
    private readonly deps: {
      readonly store: CampaignStore;
      readonly templates: TemplateCatalog;
      readonly clock: Clock;
      readonly ids: IdGenerator;
    },
  ) {}

  /**
   * Validates and schedules a campaign (status SCHEDULED, due at send_at or now).
   * Errors: ValidationError (INVALID_ARGUMENT) — name empty or over 200 characters, kind
   * UNSPECIFIED, empty audience, an audience of kind UNSPECIFIED or without its parameter
   * (AREA_CUSTOMERS without work_zone, GROUP without group_id, STAFF_ROLES without roles), an
   * id that is not a UUID or a work_zone that is not a work zone key (`audience`), template key empty or
   * unknown to the template service, send_at more than 60 s before now, OTHER without a
   * notification type, and the template not rendering with the campaign's variables (see
   * {@link templateProblem}: missing variables, named; no version on the audience's channels);
   * PermissionDeniedError — the role may not send the campaign's notification type (the
   * notification_type given, or the one the kind implies), by the per-type table Notify and
   * Broadcast use (`mayRoleSend`, @notify/proto NOTIFICATION_TYPE_ROLES: the seeds' "Role-Based
   * Access"); AlreadyExistsError — request_id reused with different fields; the template
   * service's UNAVAILABLE / DEADLINE_EXCEEDED.
   */
  async schedule(role: string, input: ScheduleCampaignInput): Promise<Campaign> {
    const name = input.name.trim();
    if (name.length === 0) throw new ValidationError('name', 'is required');
    if (name.length > MAX_NAME) throw new ValidationError('name', `is longer than ${MAX_NAME} characters`);
    if (input.requestId.length > CAMPAIGN_TEXT_MAX.requestId) {
      throw new ValidationError('request_id', `is longer than ${CAMPAIGN_TEXT_MAX.requestId} characters`);
    }
    if (!input.kind) throw new ValidationError('kind', 'is required (MAINTENANCE, PROMOTION, EMERGENCY_ALERT or OTHER)');
    const kind = input.kind;
    const notificationType = input.notificationType ?? KIND_NOTIFICATION_TYPE[kind];
    if (!notificationType) throw new ValidationError('notification_type', 'is required for kind OTHER');
    // The type decides, not the kind: a campaign is sent by the gateway as a notification of this
    // type, so who may schedule it is who may send that type through Notify / Broadcast.
    if (!mayRoleSend(role, commonv1.notificationTypeFromJSON(notificationType))) {
      throw new PermissionDeniedError(`role ${role} may not send ${notificationType.replace(/^NOTIFICATION_TYPE_/, '')} notifications (campaign kind ${kind})`);
    }
    if (input.audience.length === 0) throw new ValidationError('audience', 'needs at least one audience');
    for (const a of input.audience) {
      if (a.kind === '' || a.kind === 'AUDIENCE_KIND_UNSPECIFIED') throw new ValidationError('audience', 'every audience needs a kind');
      // A campaign keeps no phone numbers: one phone is a Notify to that phone, not a campaign.
      if (a.kind === 'AUDIENCE_KIND_PHONE') throw new ValidationError('audience', 'AUDIENCE_KIND_PHONE is not a campaign audience (use Notify for a phone)');
      const missing = AUDIENCE_PARAMETER[a.kind];
      if (missing && missing.absent(a)) throw new ValidationError('audience', `${a.kind} needs ${missing.field}`);
      // An id that is not a UUID cannot exist: refused now, not found to reach nobody at send_at.
      for (const [field, id] of [['group_id', a.groupId], ['customer_id', a.customerId], ['staff_id', a.staffId]] as const) {
        if (id.trim() !== '' && !UUID.test(id.trim())) throw new ValidationError('audience', `${field} must be a UUID, got ${JSON.stringify(id.trim().slice(0, 64))}`);
      }
      // A zone the customer service refuses would fail the campaign at send_at (QA: "a b/c" was SCHEDULED).
      if (a.workZone.trim() !== '' && !isWorkZone(a.workZone)) {
        throw new ValidationError('audience', `work_zone ${JSON.stringify(a.workZone.trim().slice(0, 64))} is not a work zone key (letters, digits, - and _)`);
      }
    }
    const templateKey = input.templateKey.trim();
    if (templateKey === '') throw new ValidationError('template_key', 'is required');
    const now = this.deps.clock.now();
    const sendAt = input.sendAt ?? now;
    if (sendAt.getTime() < now.getTime() - SEND_AT_PAST_TOLERANCE_MS) {
      // In WIB, as operators give it (QA: `--send-at 2020-01-01` came back as 2019-12-31T17:00:00.000Z).
      throw new ValidationError('send_at', `${wib(sendAt)} is in the past (now ${wib(now)})`);
    }
    if (input.requestId !== '') {
      const existing = await this.deps.store.findByRequestId(input.requestId);
      if (existing) return this.sameRequest(existing, name, kind, templateKey);
    }
    const channels = input.channels.length > 0 ? input.channels : ['CHANNEL_WHATSAPP'];
    const problem = await this.templateProblem({ templateKey, audience: input.audience, channels, variables: input.variables });
    if (problem) throw problem;
    const campaign: Campaign = {
      id: this.deps.ids.next(),
      name,
      kind,
      notificationType,
      templateKey,
      audience: input.audience,
      variables: input.variables,
      sendAt: sendAt.getTime() < now.getTime() ? now : sendAt,
      // Unset: the type's default (@notify/proto defaultPriority, as Notify): an emergency alert is URGENT, whatever the kind.
      priority: input.priority ?? commonv1.priorityToJSON(defaultPriority(commonv1.notificationTypeFromJSON(notificationType))),
      channels,
      status: 'SCHEDULED',
      createdBy: input.createdBy,
      createdAt: now,
      sentAt: null,
      cancelledAt: null,
      cancelReason: '',
      failedAt: null,
      failureReason: '',
      requestId: input.requestId,
    };
    const { campaign: stored, created } = await this.deps.store.create(campaign);
    return created ? stored : this.sameRequest(stored, name, kind, templateKey);
  }

  /**
   * Cancels a SCHEDULED campaign (nothing is sent). NotFoundError (unknown id);
   * FailedPreconditionError (already SENT, FAILED or CANCELLED); ValidationError (`campaign_id`
   * empty or not a UUID, `reason` over {@link CAMPAIGN_TEXT_MAX}.cancelReason characters).
   */
  /** One campaign. NotFoundError('campaign', id); ValidationError (`campaign_id` empty or not a UUID). */
  async get(id: string): Promise<Campaign> {
    requireUuid(id);
    const campaign = await this.deps.store.get(id);
    if (!campaign) throw new NotFoundError('campaign', id);
    return campaign;
  }

  async cancel(id: string, reason: string): Promise<Campaign> {
    requireUuid(id);
    if (reason.trim().length > CAMPAIGN_TEXT_MAX.cancelReason) {
      throw new ValidationError('reason', `is longer than ${CAMPAIGN_TEXT_MAX.cancelReason} characters`);
    }
    const campaign = await this.deps.store.get(id);
    if (!campaign) throw new NotFoundError('campaign', id);
    const now = this.deps.clock.now();
    cancelCampaign(campaign, now, reason); // throws FailedPrecondition unless SCHEDULED
    const cancelled = await this.deps.store.cancel(id, now, reason);
    if (!cancelled) {
      const current = await this.deps.store.get(id);
      throw new FailedPreconditionError(`campaign ${id} is ${current?.status ?? 'gone'}; only a SCHEDULED campaign can be cancelled`);
    }
    return cancelled;
  }

  /**
   * One page of campaigns, newest send_at first, of any of `statuses` (empty = all), page size
   * per common.proto (0 = 50, above 500 clamped), with the next page's token ('' on the last).
   * ValidationError for a negative page size (`page_size`) or a bad token (one issued for other
   * statuses included).
   */
  async list(query: { readonly statuses: readonly CampaignStatus[]; readonly pageSize: number; readonly pageToken: string }): Promise<{
    readonly campaigns: Campaign[];
    readonly nextPageToken: string;
  }> {
    const size = resolvePageSize(query.pageSize);
    let after: CampaignCursor | undefined;
    if (query.pageToken !== '') {
      const t = decodePageToken(query.pageToken, ['sendAt', 'id'], { statuses: query.statuses });
      after = { sendAt: new Date(t.sendAt), id: t.id };
      if (Number.isNaN(after.sendAt.getTime())) throw new ValidationError('page_token', 'is not a valid page token');
    }
    const rows = await this.deps.store.list({ statuses: query.statuses, limit: size + 1, ...(after ? { after } : {}) });
    const campaigns = rows.slice(0, size);
    const last = campaigns[campaigns.length - 1];
    return { campaigns, nextPageToken: rows.length > size && last ? encodePageToken({ sendAt: last.sendAt.toISOString(), id: last.id }, { statuses: query.statuses }) : '' };
  }

  /**
   * The campaign's due job ran. The template is checked again first ({@link templateProblem}:
   * a version activated since ScheduleCampaign may need a variable the campaign lacks): when it
   * no longer renders, SCHEDULED → FAILED with the reason and nothing is published, rather than
   * handing the gateway a notification that would end FAILED with every recipient left out.
   * Otherwise SCHEDULED → SENT and one CampaignDueEvent (event id eventIdFrom('campaign_due', id))
   * in one transaction. When the template service cannot be asked the campaign is sent anyway
   * (`templateCheck: 'skipped'`): the gateway renders it itself and retries while the template
   * service is down. Resolves with what was done, or null when there was nothing to do
   * (cancelled, already sent or failed, unknown).
   */
  async dispatchDue(id: string): Promise<CampaignDispatch | null> {
    const campaign = await this.deps.store.get(id);
    if (!campaign || campaign.status !== 'SCHEDULED') return null;
    let problem: ValidationError | null = null;
    let checkError: unknown;
    try {
      problem = await this.templateProblem(campaign);
    } catch (err) {
      checkError = err;
    }
    const now = this.deps.clock.now();
    if (problem) {
      const failed = await this.deps.store.markFailed(id, now, problem.message);
      return failed ? { campaign: failed, templateCheck: 'failed' } : null;
    }
    const sent = await this.deps.store.markSent(id, now, (c) => ({ kind: 'campaign_due', eventId: campaignDueEventId(id), occurredAt: now, campaign: c }));
    if (!sent) return null;
    return checkError === undefined ? { campaign: sent, templateCheck: 'passed' } : { campaign: sent, templateCheck: 'skipped', checkError };
  }

  /**
   * Why the campaign's template would not render for its audience as the gateway renders it,
   * or null when it renders. Mirrors the gateway: every recipient gets the campaign's variables,
   * a customer recipient (audiences CUSTOMER, AREA_CUSTOMERS, ALL_CUSTOMERS) also its own
   * `customer_name` (campaignRenderTargets); a recipient is reached on one of the campaign's
   * channels (a group audience on WhatsApp), in its locale when the template has one. So the
   * active version of every (channel, locale) the template has on those channels is rendered
   * once per recipient class (BatchRenderTemplates).
   * ValidationError: `template_key` — no active template with that key; `channels` — no version
   * on a channel the audience is reached on (its recipients would get nothing: the gateway fails
   * the notification's rendering); `variables`
   * — variables missing (all named, union over the versions) or a value a version cannot
   * render. Rejects with the template service's UnavailableError / TimeoutError.
   */
  private async templateProblem(c: Pick<Campaign, 'templateKey' | 'audience' | 'channels' | 'variables'>): Promise<ValidationError | null> {
    const key = c.templateKey;
    const variants = await this.deps.templates.variants(key);
    if (variants.length === 0) return new ValidationError('template_key', `unknown template key ${JSON.stringify(key)}`);
    const items = new Map<string, TrialRender>();
    const targets = campaignRenderTargets(c);
    for (const target of targets) {
      for (const channel of target.channels) {
        for (const v of variants) {
          if (v.channel !== channel) continue;
          const item: TrialRender = { key, channel, locale: v.locale, variables: target.variables };
          items.set(`${channel}|${v.locale}|${JSON.stringify(target.variables)}`, item);
        }
      }
    }
    const reached = [...new Set(targets.flatMap((t) => t.channels))];
    const has = [...new Set(variants.map((v) => v.channel))];
    if (items.size === 0) {
      return new ValidationError('channels', `template ${key} has no version for ${reached.join(', ')} (only ${has.join(', ')}); nobody could be sent it`);
    }
    // A channel without a version fails the gateway's rendering for the recipients reached on it
    // (the whole notification: a SENT campaign that reached nobody), so each channel must have one.
    const without = reached.filter((ch) => !has.includes(ch));
    if (without.length > 0) {
      return new ValidationError('channels', `template ${key} has no version for ${without.join(', ')} (only ${has.join(', ')}); leave ${without.join(', ')} out of the channels`);
    }
    const trials = [...items.values()];
    const outcomes = await this.deps.templates.tryRender(trials);
    const missing = new Set<string>();
    const missingAt = new Set<string>();
    let other: string | null = null;
    let rendered = 0;
    outcomes.forEach((o, i) => {
      const at = `${trials[i]!.channel}/${trials[i]!.locale}`;
      if (o.ok) rendered++;
      else if (o.reason === 'invalid' && o.missing.length > 0) {
        for (const name of o.missing) missing.add(name);
        missingAt.add(at);
      // The template service's message names its field already (`variables: a value in …`): not twice (QA).
      } else if (o.reason === 'invalid') other ??= `${o.message.replace(/^variables: /, '')} (template ${key}, ${at})`;
    });
    if (missing.size > 0) {
      const perRecipient = Object.keys(CUSTOMER_RECIPIENT_VARIABLES).filter((v) => missing.has(v));
      const hint = perRecipient.length > 0 ? `; ${perRecipient.join(', ')} is filled per recipient only for customer audiences` : '';
      return new ValidationError('variables', `missing ${missing.size === 1 ? 'variable' : 'variables'}: ${[...missing].join(', ')} (template ${key}, ${[...missingAt].join(', ')})${hint}`);
    }
    if (other) return new ValidationError('variables', other);
    // Listed a moment ago but gone now (every version NOT_FOUND): nobody could be sent it.
    if (rendered === 0) return new ValidationError('template_key', `template ${key} cannot be found for ${trials.map((t) => `${t.channel}/${t.locale}`).join(', ')}`);
    return null;
  }

  private sameRequest(existing: Campaign, name: string, kind: CampaignKind, templateKey: string): Campaign {
    if (existing.name !== name || existing.kind !== kind || existing.templateKey !== templateKey) {
      throw new AlreadyExistsError(`request_id ${existing.requestId} was used for another campaign (${existing.id})`);
    }
    return existing;
  }
}

function requireUuid(id: string): void {
  if (!id.trim()) throw new ValidationError('campaign_id', 'is required');
  if (!UUID.test(id)) throw new ValidationError('campaign_id', `must be a UUID, got ${JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}…` : id)}`);
}

const WIB_FORMAT = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** `2026-12-07 14:05:00 WIB` (Asia/Jakarta, UTC+7 all year): how an error shows a moment to an operator. */
function wib(d: Date): string {
  return `${WIB_FORMAT.format(d)} WIB`;
}
