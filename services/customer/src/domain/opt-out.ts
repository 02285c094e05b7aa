import type { Channel } from './channel';

/**
 * A phone number's opt-out from a channel (case-workflow-whatsapp-bot-plan.md §6
 * "Opt-out / deactivation for a contact number"; ticket-sms-notifications.md, "Add SMS
 * opt-out capability"). Keyed by (phone, channel); it applies whoever owns the number.
 */
export interface OptOut {
  /** E.164 digits. */
  readonly phone: string;
  readonly channel: Channel;
  readonly reason: string | null;
  readonly at: Date;
}

/** Longest opt-out reason (characters). */
export const OPT_OUT_REASON_MAX = 500;
