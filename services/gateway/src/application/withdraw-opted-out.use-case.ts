import type { Logger } from '@notify/logger';
import type { Channel, DeliveryRecord } from '../domain';
import type { Clock, DeliveryStore } from './ports';

/** A phone's opt-out as the gateway needs it (customer event `opted_out`). */
export interface OptOutChange {
  /** The event's id (UUID), logged. */
  eventId: string;
  /** E.164 digits, as the deliveries' recipient. */
  phone: string;
  channel: Channel;
  /** The opt-out's reason (`STOP reply via fonnte`), '' when none. */
  reason: string;
  /** When the OptOut call committed (the event's occurred_at): answers of the reply flow queued before it are withdrawn too. */
  at?: Date;
}

/**
 * Withdraws what still waits for a phone that opted out of a channel (DeliveryStore
 * .withdrawOptedOut): a message held by quiet hours, the rate limit or a retry is not sent after
 * the STOP (QA: a WhatsApp held for quiet hours went out 12 minutes after "STOP"). Reason
 * (last_error): `withdrawn unsent: <phone> opted out of <WhatsApp|SMS> (<reason>)`. The STOP's own
 * confirmation (REPLY, queued after the opt-out committed) still goes; an earlier answer still
 * waiting (held by the rate limit) is withdrawn, so it does not contradict the opt-out (QA). Messages resolved after the opt-out take the channels the
 * phone still accepts (the customer service's resolution). An SMS opt-out also takes the SMS
 * fallback text off the phone's WhatsApp messages still in play (PgDeliveryStore.withdrawWaiting):
 * the fallback would be an SMS to a number that said STOP; new ones are resolved without it
 * (Recipient.sms_fallback_refused). Applying it twice withdraws nothing
 * more. Database errors propagate (the consumer retries).
 */
export class WithdrawOptedOutUseCase {
  constructor(private readonly o: { store: Pick<DeliveryStore, 'withdrawOptedOut'>; clock: Clock; logger: Pick<Logger, 'info'> }) {}

  async execute(change: OptOutChange): Promise<DeliveryRecord[]> {
    if (!change.phone) return [];
    const name = change.channel === 'WHATSAPP' ? 'WhatsApp' : 'SMS';
    const reason = `withdrawn unsent: ${change.phone} opted out of ${name}${change.reason ? ` (${change.reason})` : ''}`;
    const withdrawn = await this.o.store.withdrawOptedOut(change.phone, change.channel, reason, this.o.clock(), change.at);
    if (withdrawn.length > 0) {
      this.o.logger.info({ event_id: change.eventId, channel: change.channel, withdrawn: withdrawn.length, deliveries: withdrawn.map((d) => d.id) }, 'waiting deliveries of an opted-out number withdrawn unsent');
    }
    return withdrawn;
  }
}
