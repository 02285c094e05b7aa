import { AlreadyExistsError } from '@notify/errors';
import { applyPreferencesPatch, defaultPreferences, registerCustomer, type Customer, type Locale } from '../../domain';
import type { Clock, CustomerUnitOfWork, IdGenerator } from '../ports';
import { actorOf, authorize, type Principal } from '../principal';

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
}

export interface CustomerCommandDeps {
  readonly uow: CustomerUnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/**
 * RegisterCustomer: a PENDING customer and the `registered` event (carrying
 * wantsInstallation) in one transaction, with the customer's preferences when a locale other
 * than the default is asked for. Roles: RegisterCustomer.
 * Errors: Validation (name, phone — naming the value —, address, work_zone, package_name, locale);
 * AlreadyExists when the phone belongs to another customer.
 */
export class RegisterCustomerUseCase {
  constructor(private readonly deps: CustomerCommandDeps) {}

  async execute(principal: Principal, input: RegisterCustomerInput): Promise<Customer> {
    authorize(principal, 'RegisterCustomer', 'register customers');
    // registerCustomer normalizes the phone, once: digits already normalized are not read again
    // (`+254 798 765432` → `254798765432`; a foreign number's digits may read as Indonesian).
    const { customer, event } = registerCustomer(
      { id: this.deps.ids.newId(), ...input },
      actorOf(principal),
      { at: this.deps.clock.now(), eventId: this.deps.ids.newId() },
    );
    const subject = { kind: 'customer', id: customer.id } as const;
    const defaults = defaultPreferences(subject);
    const preferences = input.locale && input.locale !== defaults.locale ? applyPreferencesPatch(defaults, { locale: input.locale }, customer.createdAt) : null;
    return this.deps.uow.run(async (tx) => {
      const holder = await tx.customers.findByPhone(customer.phone);
      if (holder) throw new AlreadyExistsError(`phone ${customer.phone} already belongs to customer ${holder.id}`);
      await tx.customers.save(customer, 0);
      if (preferences) await tx.preferences.save(preferences);
      await tx.outbox.append(event);
      return customer;
    });
  }
}
