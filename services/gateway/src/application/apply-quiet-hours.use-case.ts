import type { Logger } from '@notify/logger';
import type { RecipientKind, StoredQuietHours } from '../domain';
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
}

/**
 * Applies a recipient's new quiet hours to their messages still waiting (DeliveryStore
 * .applyQuietHours): each keeps the new window, and one held back by the old window
 * (DEFERRED, reason `quiet hours`) is judged again at once: sent if the new window allows it
 * (quiet hours switched off, or a window that has ended), else held to the new window's end.
 * Without this, a technician who switches their quiet hours off would still get the held job
 * offer at the old window's end. A message whose text was rendered already keeps its channel
 * and language (only the window changes). Called by the gateway's event handler for every
 * `customer.preferences_updated`; applying the same change twice changes nothing more. Database
 * errors propagate (the consumer retries).
 */
export class ApplyQuietHoursUseCase {
  constructor(private readonly o: { store: Pick<DeliveryStore, 'applyQuietHours'>; clock: Clock; logger: Pick<Logger, 'info'> }) {}

  async execute(change: PreferencesChange): Promise<{ updated: number; madeDue: number }> {
    if (change.recipientKind === 'PHONE' || !change.recipientId) return { updated: 0, madeDue: 0 };
    const out = await this.o.store.applyQuietHours({ kind: change.recipientKind, id: change.recipientId }, change.quietHours, this.o.clock());
    if (out.updated > 0) {
      this.o.logger.info(
        { event_id: change.eventId, recipient_kind: change.recipientKind, recipient_id: change.recipientId, quiet_hours: change.quietHours, waiting: out.updated, made_due: out.madeDue },
        'new quiet hours applied to the recipient\'s waiting deliveries',
      );
    }
    return out;
  }
}

