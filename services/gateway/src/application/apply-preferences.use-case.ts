import type { Logger } from '@notify/logger';
import type { Channel, RecipientKind, StoredQuietHours } from '../domain';
import type { Clock, DeliveryStore } from './ports';

/** A recipient's preferences after a change, as the gateway needs them (customer event `preferences_updated`). */
export interface PreferencesChange {
  /** The event's id (UUID), logged. */
  eventId: string;
  /** CUSTOMER, STAFF or GROUP: whose preferences (the deliveries' recipient kind). */
  recipientKind: RecipientKind;
  /** Customer, staff or group id (UUID). */
  recipientId: string;
  /** The quiet hours after the change; null = none. */
  quietHours: StoredQuietHours | null;
  /** The channels the recipient accepts after the change (Preferences.channels); absent = not known, nothing withdrawn. */
  channels?: readonly Channel[];
}

const CHANNEL_NAMES: Record<Channel, string> = { WHATSAPP: 'WhatsApp', SMS: 'SMS' };

/**
 * Applies a recipient's changed preferences to their messages still waiting:
 * - the new quiet hours (DeliveryStore.applyQuietHours): each keeps the new window, and one held
 *   back by the old window (DEFERRED, reason `quiet hours`) is judged again at once: sent if the
 *   new window allows it (quiet hours switched off, or a window that has ended), else held to the
 *   new window's end (without this, a technician who switches quiet hours off would still get
 *   the held job offer at the old window's end);
 * - a channel switched off (DeliveryStore.withdrawSwitchedOff): what waits on it is withdrawn,
 *   CANCELLED with `withdrawn unsent: <kind> <id> switched <channel> off in their preferences`,
 *   as a phone's opt-out withdraws (messages resolved afterwards take the channels they accept);
 *   SMS switched off also takes the SMS fallback text off their WhatsApp messages still in play.
 * A message whose text was rendered already keeps its language. Called by the gateway's event
 * handler for every `customer.preferences_updated`; applying the same change twice changes
 * nothing more. Database errors propagate (the consumer retries).
 */
export class ApplyPreferencesUseCase {
  constructor(private readonly o: { store: Pick<DeliveryStore, 'applyQuietHours' | 'withdrawSwitchedOff'>; clock: Clock; logger: Pick<Logger, 'info'> }) {}

  async execute(change: PreferencesChange): Promise<{ updated: number; madeDue: number; withdrawn: number }> {
    if (change.recipientKind === 'PHONE' || !change.recipientId) return { updated: 0, madeDue: 0, withdrawn: 0 };
    const recipient = { kind: change.recipientKind, id: change.recipientId };
    const now = this.o.clock();
    let withdrawn = 0;
    for (const channel of (['WHATSAPP', 'SMS'] as const).filter((c) => change.channels && !change.channels.includes(c))) {
      const reason = `withdrawn unsent: ${change.recipientKind.toLowerCase()} ${change.recipientId} switched ${CHANNEL_NAMES[channel]} off in their preferences`;
      withdrawn += (await this.o.store.withdrawSwitchedOff(recipient, channel, reason, now)).length;
    }
    const out = await this.o.store.applyQuietHours(recipient, change.quietHours, now);
    if (out.updated > 0 || withdrawn > 0) {
      this.o.logger.info(
        { event_id: change.eventId, recipient_kind: change.recipientKind, recipient_id: change.recipientId, quiet_hours: change.quietHours, waiting: out.updated, made_due: out.madeDue, withdrawn },
        'changed preferences applied to the recipient\'s waiting deliveries',
      );
    }
    return { ...out, withdrawn };
  }
}
