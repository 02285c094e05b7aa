import { AlreadyExistsError } from '@notify/errors';
import { applyPreferencesPatch, defaultPreferences, registerCustomer, type Customer, type Locale } from '../../domain';
import type { Clock, CustomerUnitOfWork, IdGenerator } from '../ports';
import { actorOf, authorize, type Principal } from '../principal';
import { requestIdOf } from './request-id';

export interface RegisterCustomerInput {
  readonly name: string;
  /** Any common Indonesian / international form; stored as E.164 digits. */
  readonly phone: string;
  readonly address: string;
  readonly workZone: string;
  readonly packageName: string;
  /** Ask for a WiFi installation: the ticket service opens a PSB ticket from the event. */
  readonly wantsInstallation: boolean;
  /** Preferred message language; absent = the default (`id`), nothing stored. */
  readonly locale?: Locale;
  /**
   * Optional idempotency key (≤ 200 characters, trimmed; empty = none): a retry with the same key
   * and the same fields returns the first customer and stores / publishes nothing new; the same
   * key with different fields → AlreadyExists (as CreateTicket's request_id).
   */
  readonly requestId?: string;
}

export interface CustomerCommandDeps {
  readonly uow: CustomerUnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/**
 * RegisterCustomer: a PENDING customer and the `registered` event (carrying
 * wantsInstallation) in one transaction, with the customer's preferences when a locale other
 * than the default is asked for. With `requestId` the key is claimed first, in that transaction
 * (CreateRequestLog): a replay of a known key (same fields → the first customer, nothing stored or
 * published, so no second PSB ticket; other fields → AlreadyExists), even one racing the first
 * request, registers nothing. The fingerprint is the normalized fields (phone as E.164 digits,
 * work zone slug, locale with its default) and the actor, as CreateTicket's. Roles: RegisterCustomer.
 * Errors: Validation (name, phone — naming the value —, address, work_zone, package_name, locale,
 * request_id); AlreadyExists when the phone belongs to another customer (`entity` `customer`, `id`
 * its id) or the request_id was used with different fields.
 */
export class RegisterCustomerUseCase {
  constructor(private readonly deps: CustomerCommandDeps) {}

  async execute(principal: Principal, input: RegisterCustomerInput): Promise<Customer> {
    return (await this.register(principal, input)).customer;
  }

  /**
   * {@link execute} telling a replay apart: `replayed` true when `requestId` named a registration
   * made before with the same fields (nothing stored or published; `customer` is the first one's).
   */
  async register(principal: Principal, input: RegisterCustomerInput): Promise<{ customer: Customer; replayed: boolean }> {
    authorize(principal, 'RegisterCustomer', 'register customers');
    const requestId = requestIdOf(input.requestId);
    const actor = actorOf(principal);
    // registerCustomer normalizes the phone, once: digits already normalized are not read again
    // (`+254 798 765432` → `254798765432`; a foreign number's digits may read as Indonesian).
    const { customer, event } = registerCustomer(
      { id: this.deps.ids.newId(), ...input },
      actor,
      { at: this.deps.clock.now(), eventId: this.deps.ids.newId() },
    );
    const subject = { kind: 'customer', id: customer.id } as const;
    const defaults = defaultPreferences(subject);
    const preferences = input.locale && input.locale !== defaults.locale ? applyPreferencesPatch(defaults, { locale: input.locale }, customer.createdAt) : null;
    const locale = input.locale ?? defaults.locale;
    return this.deps.uow.run(async (tx) => {
      if (requestId) {
        // The request's fields after normalization (what a retry must repeat), and who asks.
        const fingerprint = JSON.stringify([customer.name, customer.phone, customer.address, customer.workZone, customer.packageName, customer.wantsInstallation, locale, actor.id]);
        const prior = await tx.requests.claim('RegisterCustomer', requestId, customer.id, fingerprint);
        if (prior) {
          if (prior.fingerprint !== fingerprint) throw new AlreadyExistsError(`request_id ${requestId} was already used for a customer with different fields`);
          const first = await tx.customers.findById(prior.entityId);
          if (first) return { customer: first, replayed: true };
        }
      }
      const holder = await tx.customers.findByPhone(customer.phone);
      if (holder) throw new AlreadyExistsError(`phone ${customer.phone} already belongs to customer ${holder.id}`, { entity: 'customer', id: holder.id });
      await tx.customers.save(customer, 0);
      if (preferences) await tx.preferences.save(preferences);
      await tx.outbox.append(event);
      return { customer, replayed: false };
    });
  }
}
