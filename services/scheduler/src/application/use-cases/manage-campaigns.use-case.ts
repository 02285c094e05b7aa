import { AlreadyExistsError, FailedPreconditionError, NotFoundError, PermissionDeniedError, ValidationError } from '@notify/errors';
import { eventIdFrom } from '@notify/events';
import { decodePageToken, encodePageToken } from '@notify/paging';
import {
  CAMPAIGN_KINDS_BY_ROLE,
  KIND_NOTIFICATION_TYPE,
  SEND_AT_PAST_TOLERANCE_MS,
  cancelCampaign,
  type Campaign,
  type CampaignActor,
  type CampaignAudience,
  type CampaignKind,
  type CampaignStatus,
} from '../../domain';
import type { CampaignCursor, CampaignStore, Clock, IdGenerator, TemplateCatalog } from '../ports';

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

/**
 * Parameters an audience kind cannot do without (proto notify.common.v1.Audience: work_zone for
 * AREA_CUSTOMERS — a maintenance notice is by area —, group_id for GROUP, roles for STAFF_ROLES).
 */
const AUDIENCE_PARAMETER: Readonly<Record<string, { readonly field: string; readonly absent: (a: CampaignAudience) => boolean }>> = {
  AUDIENCE_KIND_AREA_CUSTOMERS: { field: 'work_zone', absent: (a) => a.workZone.trim() === '' },
  AUDIENCE_KIND_GROUP: { field: 'group_id', absent: (a) => a.groupId.trim() === '' },
  AUDIENCE_KIND_STAFF_ROLES: { field: 'roles', absent: (a) => a.roles.length === 0 },
};

/** Largest page of ListCampaigns; 0 = 50. */
export const MAX_CAMPAIGNS_PAGE = 500;
const MAX_NAME = 200;

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
   * (AREA_CUSTOMERS without work_zone, GROUP without group_id, STAFF_ROLES without roles), template key empty or
   * unknown to the template service, send_at more than 60 s before now, OTHER without a
   * notification type; PermissionDeniedError — the role may not schedule this kind
   * (CAMPAIGN_KINDS_BY_ROLE); AlreadyExistsError — request_id reused with different fields;
   * the template service's UNAVAILABLE / DEADLINE_EXCEEDED.
   */
  async schedule(role: string, input: ScheduleCampaignInput): Promise<Campaign> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > MAX_NAME) throw new ValidationError('name', `must be 1..${MAX_NAME} characters`);
    if (!input.kind) throw new ValidationError('kind', 'is required (MAINTENANCE, PROMOTION, EMERGENCY_ALERT or OTHER)');
    const kind = input.kind;
    if (!(CAMPAIGN_KINDS_BY_ROLE[role] ?? []).includes(kind)) throw new PermissionDeniedError(`role ${role} may not schedule ${kind} campaigns`);
    if (input.audience.length === 0) throw new ValidationError('audience', 'needs at least one audience');
    for (const a of input.audience) {
      if (a.kind === '' || a.kind === 'AUDIENCE_KIND_UNSPECIFIED') throw new ValidationError('audience', 'every audience needs a kind');
      // A campaign keeps no phone numbers: one phone is a Notify to that phone, not a campaign.
      if (a.kind === 'AUDIENCE_KIND_PHONE') throw new ValidationError('audience', 'AUDIENCE_KIND_PHONE is not a campaign audience (use Notify for a phone)');
      const missing = AUDIENCE_PARAMETER[a.kind];
      if (missing && missing.absent(a)) throw new ValidationError('audience', `${a.kind} needs ${missing.field}`);
    }
    const notificationType = input.notificationType ?? KIND_NOTIFICATION_TYPE[kind];
    if (!notificationType) throw new ValidationError('notification_type', 'is required for kind OTHER');
    const templateKey = input.templateKey.trim();
    if (templateKey === '') throw new ValidationError('template_key', 'is required');
    const now = this.deps.clock.now();
    const sendAt = input.sendAt ?? now;
    if (sendAt.getTime() < now.getTime() - SEND_AT_PAST_TOLERANCE_MS) {
      throw new ValidationError('send_at', `${sendAt.toISOString()} is in the past (now ${now.toISOString()})`);
    }
    if (input.requestId !== '') {
      const existing = await this.deps.store.findByRequestId(input.requestId);
      if (existing) return this.sameRequest(existing, name, kind, templateKey);
    }
    if (!(await this.deps.templates.templateExists(templateKey))) {
      throw new ValidationError('template_key', `unknown template key ${JSON.stringify(templateKey)}`);
    }
    const campaign: Campaign = {
      id: this.deps.ids.next(),
      name,
      kind,
      notificationType,
      templateKey,
      audience: input.audience,
      variables: input.variables,
      sendAt: sendAt.getTime() < now.getTime() ? now : sendAt,
      priority: input.priority ?? (kind === 'EMERGENCY_ALERT' ? 'PRIORITY_URGENT' : 'PRIORITY_NORMAL'),
      channels: input.channels.length > 0 ? input.channels : ['CHANNEL_WHATSAPP'],
      status: 'SCHEDULED',
      createdBy: input.createdBy,
      createdAt: now,
      sentAt: null,
      cancelledAt: null,
      cancelReason: '',
      requestId: input.requestId,
    };
    const { campaign: stored, created } = await this.deps.store.create(campaign);
    return created ? stored : this.sameRequest(stored, name, kind, templateKey);
  }

  /**
   * Cancels a SCHEDULED campaign (nothing is sent). NotFoundError (unknown id);
   * FailedPreconditionError (already SENT or CANCELLED); ValidationError (id not a UUID).
   */
  async cancel(id: string, reason: string): Promise<Campaign> {
    requireUuid(id);
    const campaign = await this.deps.store.get(id);
    if (!campaign) throw new NotFoundError('Campaign', id);
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
   * 1..500 (0 = 50), with the next page's token ('' on the last). ValidationError for a bad
   * page size or token.
   */
  async list(query: { readonly statuses: readonly CampaignStatus[]; readonly pageSize: number; readonly pageToken: string }): Promise<{
    readonly campaigns: Campaign[];
    readonly nextPageToken: string;
  }> {
    const size = query.pageSize === 0 ? 50 : query.pageSize;
    if (!Number.isInteger(size) || size < 1 || size > MAX_CAMPAIGNS_PAGE) throw new ValidationError('page_size', `must be 1..${MAX_CAMPAIGNS_PAGE}`);
    let after: CampaignCursor | undefined;
    if (query.pageToken !== '') {
      const t = decodePageToken(query.pageToken, ['sendAt', 'id']);
      after = { sendAt: new Date(t.sendAt), id: t.id };
      if (Number.isNaN(after.sendAt.getTime())) throw new ValidationError('page_token', 'is not a valid page token');
    }
    const rows = await this.deps.store.list({ statuses: query.statuses, limit: size + 1, ...(after ? { after } : {}) });
    const campaigns = rows.slice(0, size);
    const last = campaigns[campaigns.length - 1];
    return { campaigns, nextPageToken: rows.length > size && last ? encodePageToken({ sendAt: last.sendAt.toISOString(), id: last.id }) : '' };
  }

  /**
   * The campaign's due job ran: SCHEDULED → SENT and one CampaignDueEvent (event id
   * eventIdFrom('campaign_due', id)) in one transaction. Resolves with the sent campaign, or
   * null when there was nothing to do (cancelled, already sent, unknown).
   */
  async dispatchDue(id: string): Promise<Campaign | null> {
    const now = this.deps.clock.now();
    return this.deps.store.markSent(id, now, (sent) => ({ kind: 'campaign_due', eventId: eventIdFrom('campaign_due', id), occurredAt: now, campaign: sent }));
  }

  private sameRequest(existing: Campaign, name: string, kind: CampaignKind, templateKey: string): Campaign {
    if (existing.name !== name || existing.kind !== kind || existing.templateKey !== templateKey) {
      throw new AlreadyExistsError(`request_id ${existing.requestId} was used for another campaign (${existing.id})`);
    }
    return existing;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function requireUuid(id: string): void {
  if (!UUID.test(id)) throw new ValidationError('campaign_id', 'must be a UUID');
}
