import { FailedPreconditionError } from '@notify/errors';

/**
 * Campaigns: one notification to an audience, now or at send_at (issue 6; seeds "Promotion
 * Campaign", maintenance notice by area, emergency alert). Enum-valued fields hold the proto
 * enum names (`AUDIENCE_KIND_AREA_CUSTOMERS`, `NOTIFICATION_TYPE_PROMOTION`, …) as plain
 * strings; the transport mapper converts.
 */
export type CampaignKind = 'MAINTENANCE' | 'PROMOTION' | 'EMERGENCY_ALERT' | 'OTHER';

/** SCHEDULED → SENT (campaign_due published, exactly once) or SCHEDULED → CANCELLED. */
export type CampaignStatus = 'SCHEDULED' | 'SENT' | 'CANCELLED';

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
 * Which kinds each caller role may schedule (proto ScheduleCampaign "Roles:", after the seeds'
 * role table): admin and service any; manager promotions and other; supervisor and noc
 * maintenance notices and emergency alerts.
 */
export const CAMPAIGN_KINDS_BY_ROLE: Readonly<Record<string, readonly CampaignKind[]>> = Object.freeze({
  admin: ['MAINTENANCE', 'PROMOTION', 'EMERGENCY_ALERT', 'OTHER'],
  service: ['MAINTENANCE', 'PROMOTION', 'EMERGENCY_ALERT', 'OTHER'],
  manager: ['PROMOTION', 'OTHER'],
  supervisor: ['MAINTENANCE', 'EMERGENCY_ALERT'],
  noc: ['MAINTENANCE', 'EMERGENCY_ALERT'],
});

/** How far in the past send_at may be and still mean "now" (proto: "More than 60 s in the past → INVALID_ARGUMENT"), ms. */
export const SEND_AT_PAST_TOLERANCE_MS = 60_000;

/** `campaign` cancelled at `at`. FailedPreconditionError when it is not SCHEDULED (already SENT or CANCELLED). */
export function cancelCampaign(campaign: Campaign, at: Date, reason: string): Campaign {
  if (campaign.status !== 'SCHEDULED') {
    throw new FailedPreconditionError(`campaign ${campaign.id} is ${campaign.status}; only a SCHEDULED campaign can be cancelled`);
  }
  return { ...campaign, status: 'CANCELLED', cancelledAt: at, cancelReason: reason };
}
