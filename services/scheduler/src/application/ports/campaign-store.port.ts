import type { Campaign, CampaignStatus } from '../../domain';
import type { ScheduleEvent } from './schedule-outbox.port';

/** Keyset position of ListCampaigns (newest send_at first, then id descending). */
export interface CampaignCursor {
  readonly sendAt: Date;
  readonly id: string;
}

/** Campaigns (`<schema>.campaigns`) and their due jobs. */
export interface CampaignStore {
  /**
   * In one transaction: inserts `campaign` and enqueues its due job (pg-boss, start after
   * send_at), so a committed campaign always becomes due. With a request id already used, the
   * existing campaign is returned and nothing is inserted (`created: false`).
   */
  create(campaign: Campaign): Promise<{ readonly campaign: Campaign; readonly created: boolean }>;
  get(id: string): Promise<Campaign | null>;
  findByRequestId(requestId: string): Promise<Campaign | null>;
  /** SCHEDULED → CANCELLED (conditional update); null when it was not SCHEDULED any more. */
  cancel(id: string, at: Date, reason: string): Promise<Campaign | null>;
  /**
   * SCHEDULED → SENT at `at` and the event `event(sent)` appended to the outbox, in one
   * transaction; null (nothing written) when the campaign is not SCHEDULED (cancelled, or sent
   * by another delivery of the due job) or does not exist.
   */
  markSent(id: string, at: Date, event: (sent: Campaign) => ScheduleEvent): Promise<Campaign | null>;
  /**
   * SCHEDULED → FAILED at `at` with `reason` (conditional update, nothing published); null when
   * the campaign is not SCHEDULED (cancelled or sent meanwhile) or does not exist.
   */
  markFailed(id: string, at: Date, reason: string): Promise<Campaign | null>;
  /** Newest send_at first, after `after`, of any of `statuses` (empty = all), at most `limit`. */
  list(filter: { readonly statuses: readonly CampaignStatus[]; readonly limit: number; readonly after?: CampaignCursor }): Promise<Campaign[]>;
}
