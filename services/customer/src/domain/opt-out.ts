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

/**
 * `opted_out`, published on `notify.customer.v1.opted_out` through the outbox in the
 * transaction of the OptOut call (also when the opt-out existed: the call is idempotent): the
 * gateway withdraws the messages to that phone on that channel still waiting.
 */
export interface OptOutEvent {
  /** UUID; the JetStream message id. */
  readonly eventId: string;
  readonly kind: 'opted_out';
  readonly occurredAt: Date;
  readonly actor: { readonly id: string; readonly role: string };
  /** The opt-out as recorded (the first reason and time when it existed). */
  readonly optOut: OptOut;
}

/** Longest opt-out reason (characters). */
export const OPT_OUT_REASON_MAX = 500;
