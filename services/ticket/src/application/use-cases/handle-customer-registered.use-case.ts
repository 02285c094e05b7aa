import type { Actor, Ticket } from '../../domain';
import type { TicketCommandDeps } from '../ticket-transition.runner';
import { draftNewTicket, openDraft } from './create-ticket.use-case';

/** The fields of `notify.customer.v1.registered` this handler needs. */
export interface CustomerRegisteredMessage {
  /** The event id (JetStream msg id). */
  readonly eventId: string;
  readonly customerId: string;
  readonly customerName: string;
  readonly address: string;
  readonly workZone: string;
  readonly packageName: string;
  /** True when the registration asks for a WiFi installation (a PSB ticket). */
  readonly wantsInstallation: boolean;
}

export type HandleCustomerRegisteredResult =
  | { readonly outcome: 'created'; readonly ticket: Ticket }
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'not_requested' };

/** Actor recorded on auto-created PSB tickets. */
export const REGISTRATION_ACTOR: Actor = { id: 'customer-registration', role: 'system', name: 'Customer registration' };

/** The idempotency key: one PSB ticket per registered customer, whatever the event id. */
export function registrationKey(customerId: string): string {
  return `customer.registered:${customerId}`;
}

/**
 * HandleCustomerRegistered (consumer of `notify.customer.v1.registered`): a registration
 * with `wantsInstallation` gets exactly one PSB ticket (NORMAL priority, the customer's
 * address and work zone) and its `created` event — even when the event is delivered twice,
 * concurrently or not: the claim of `customer.registered:<customerId>` is written in the
 * same transaction as the ticket (customer-notification-system.md, "PSB Ticket Creation").
 * The PSB number is drawn in that transaction after the claim: a duplicate returns `duplicate`,
 * writes nothing and uses no number (the consumer acks it); a failure rolls the number back. Validation
 * errors mean a poison message (the consumer terms it).
 */
export class HandleCustomerRegisteredUseCase {
  constructor(private readonly deps: TicketCommandDeps) {}

  async execute(message: CustomerRegisteredMessage): Promise<HandleCustomerRegisteredResult> {
    if (!message.wantsInstallation) return { outcome: 'not_requested' };
    const pkg = message.packageName?.trim();
    const draft = draftNewTicket(
      this.deps,
      {
        type: 'PSB',
        priority: 'NORMAL',
        customerId: message.customerId,
        workZone: message.workZone,
        address: message.address,
        description: pkg ? `Pemasangan WiFi baru, paket ${pkg}` : 'Pemasangan WiFi baru',
      },
      REGISTRATION_ACTOR,
    );
    return this.deps.uow.run(async (tx) => {
      const fresh = await tx.processed.claim(registrationKey(message.customerId), message.eventId, draft.at);
      if (!fresh) return { outcome: 'duplicate' } as const;
      const { ticket, event } = await openDraft(draft, tx.numbers);
      await tx.tickets.save(ticket, 0);
      await tx.outbox.append(event);
      return { outcome: 'created', ticket } as const;
    });
  }
}
