import { FailedPreconditionError } from '@notify/errors';

/**
 * Campaigns: one notification to an audience, now or at send_at (issue 6; seeds "Promotion
 * Campaign", maintenance notice by area, emergency alert). Enum-valued fields hold the proto
 * enum names (`AUDIENCE_KIND_AREA_CUSTOMERS`, `NOTIFICATION_TYPE_PROMOTION`, …) as plain
 * strings; the transport mapper converts.
 */
export type CampaignKind = 'MAINTENANCE' | 'PROMOTION' | 'EMERGENCY_ALERT' | 'OTHER';

/**
 * SCHEDULED → SENT (campaign_due published, exactly once: handed to the gateway, whose own
 * outcome is not reported back), SCHEDULED → FAILED (due, but the template no longer renders
 * with the campaign's variables; nothing published) or SCHEDULED → CANCELLED.
 */
export type CampaignStatus = 'SCHEDULED' | 'SENT' | 'FAILED' | 'CANCELLED';

/** One audience (proto notify.common.v1.Audience). */
export interface CampaignAudience {
  /** `AUDIENCE_KIND_*`. */
  readonly kind: string;
  readonly workZone: string;
  readonly groupId: string;
  /** `ROLE_*`. */
  readonly roles: readonly string[];
  readonly customerId: string;
  readonly staffId: string;
}

/** Who scheduled it. */
export interface CampaignActor {
  /** `ACTOR_KIND_*`. */
  readonly kind: string;
  readonly id: string;
  readonly name: string;
  /** `ROLE_*`. */
  readonly role: string;
}

/** A campaign as stored (`<schema>.campaigns`) and shown by ListCampaigns. */
export interface Campaign {
  /** UUID. */
  readonly id: string;
  /** 1..200 characters. */
  readonly name: string;
  readonly kind: CampaignKind;
  /** `NOTIFICATION_TYPE_*`. */
  readonly notificationType: string;
  readonly templateKey: string;
  readonly audience: readonly CampaignAudience[];
  /** Template variables (JSON object). */
  readonly variables: Readonly<Record<string, unknown>>;
  /** When it is due (never before its creation: a send_at up to 60 s in the past becomes the creation time). */
  readonly sendAt: Date;
  /** `PRIORITY_*`. */
  readonly priority: string;
  /** `CHANNEL_*`, preference order. */
  readonly channels: readonly string[];
  readonly status: CampaignStatus;
  readonly createdBy: CampaignActor | null;
  /** Clock time of ScheduleCampaign. */
  readonly createdAt: Date;
  /** Clock time of the dispatch (status SENT); null otherwise. */
  readonly sentAt: Date | null;
  /** Clock time of CancelCampaign (status CANCELLED); null otherwise. */
  readonly cancelledAt: Date | null;
  /** CancelCampaign's reason ('' = none given). */
  readonly cancelReason: string;
  /** Clock time the due campaign was found unsendable (status FAILED); null otherwise. */
  readonly failedAt: Date | null;
  /** Why it is FAILED ('' otherwise), e.g. `variables: missing variables: impact (template maintenance.notice, CHANNEL_WHATSAPP/LOCALE_ID)`. */
  readonly failureReason: string;
  /** Idempotency key ('' = none). */
  readonly requestId: string;
}

/** The notification type a kind implies when the request leaves it UNSPECIFIED (proto ScheduleCampaignRequest.notification_type). */
export const KIND_NOTIFICATION_TYPE: Readonly<Record<CampaignKind, string | undefined>> = Object.freeze({
  MAINTENANCE: 'NOTIFICATION_TYPE_MAINTENANCE',
  PROMOTION: 'NOTIFICATION_TYPE_PROMOTION',
  EMERGENCY_ALERT: 'NOTIFICATION_TYPE_EMERGENCY_ALERT',
  OTHER: undefined,
});

/**
 * Audience kinds whose recipients are customers (the customer service resolves them to
 * RECIPIENT_KIND_CUSTOMER). The gateway fills `customer_name` per recipient for a customer
 * recipient (its `customerNameFromRecipient`, used for Notify, Broadcast and campaign_due
 * alike), so a campaign to these audiences need not carry it.
 */
export const CUSTOMER_AUDIENCE_KINDS: readonly string[] = Object.freeze([
  'AUDIENCE_KIND_CUSTOMER',
  'AUDIENCE_KIND_AREA_CUSTOMERS',
  'AUDIENCE_KIND_ALL_CUSTOMERS',
]);

/** Audience kinds resolved to WhatsApp groups: reached on WhatsApp whatever the campaign's channels (customer service GROUP_AUDIENCES). */
export const GROUP_AUDIENCE_KINDS: readonly string[] = Object.freeze([
  'AUDIENCE_KIND_GROUP',
  'AUDIENCE_KIND_ZONE_TECHNICIAN_GROUP',
  'AUDIENCE_KIND_SUPERVISOR_GROUP',
  'AUDIENCE_KIND_MANAGEMENT_GROUP',
  'AUDIENCE_KIND_NOC_GROUP',
  'AUDIENCE_KIND_CUSTOMER_SERVICE_GROUP',
  'AUDIENCE_KIND_ALL_GROUPS',
]);

/**
 * Stand-ins for the variables the gateway fills per customer recipient, used when checking
 * that a campaign's template renders: the value only has to render (the gateway puts the
 * recipient's own name there).
 */
export const CUSTOMER_RECIPIENT_VARIABLES: Readonly<Record<string, string>> = Object.freeze({ customer_name: 'Pelanggan' });

/**
 * The recipient classes a campaign's audience reaches, as the gateway will render for them:
 * each with the channels its recipients can get (a group audience: WhatsApp only; others: the
 * campaign's channels) and the variables the template is rendered with (the campaign's, plus,
 * for customers, {@link CUSTOMER_RECIPIENT_VARIABLES} over them, as the gateway merges its
 * per-recipient variables last).
 */
export function campaignRenderTargets(campaign: Pick<Campaign, 'audience' | 'channels' | 'variables'>): Array<{
  readonly channels: readonly string[];
  readonly variables: Readonly<Record<string, unknown>>;
}> {
  const targets = new Map<string, { channels: readonly string[]; variables: Readonly<Record<string, unknown>> }>();
  for (const a of campaign.audience) {
    const customer = CUSTOMER_AUDIENCE_KINDS.includes(a.kind);
    const channels = GROUP_AUDIENCE_KINDS.includes(a.kind) ? ['CHANNEL_WHATSAPP'] : campaign.channels;
    const id = `${customer}|${channels.join(',')}`;
    if (!targets.has(id)) targets.set(id, { channels, variables: customer ? { ...campaign.variables, ...CUSTOMER_RECIPIENT_VARIABLES } : campaign.variables });
  }
  return [...targets.values()];
}

/** How far in the past send_at may be and still mean "now" (proto: "More than 60 s in the past → INVALID_ARGUMENT"), ms. */
export const SEND_AT_PAST_TOLERANCE_MS = 60_000;

/** `campaign` cancelled at `at`. FailedPreconditionError when it is not SCHEDULED (already SENT, FAILED or CANCELLED). */
export function cancelCampaign(campaign: Campaign, at: Date, reason: string): Campaign {
  if (campaign.status !== 'SCHEDULED') {
    throw new FailedPreconditionError(`campaign ${campaign.id} is ${campaign.status}; only a SCHEDULED campaign can be cancelled`);
  }
  return { ...campaign, status: 'CANCELLED', cancelledAt: at, cancelReason: reason };
}
