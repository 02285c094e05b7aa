import { NotFoundError } from '@notify/errors';
import { activateCustomer, type Customer } from '../../domain';
import { actorOf, authorize, type Principal } from '../principal';
import type { CustomerCommandDeps } from './register-customer.use-case';

/**
 * ActivateCustomer: PENDING or SUSPENDED → ACTIVE and the `activated` event (the welcome message
 * trigger) in one transaction. Roles: ActivateCustomer. Errors: NotFound,
 * FailedPrecondition ("customer … is ACTIVE; activate needs PENDING or SUSPENDED"), Conflict (raced).
 */
export class ActivateCustomerUseCase {
  constructor(private readonly deps: CustomerCommandDeps) {}

  async execute(principal: Principal, input: { readonly customerId: string }): Promise<Customer> {
    authorize(principal, 'ActivateCustomer', 'activate customers');
    return this.deps.uow.run(async (tx) => {
      const before = await tx.customers.findById(input.customerId);
      if (!before) throw new NotFoundError('customer', input.customerId);
      const { customer, event } = activateCustomer(before, actorOf(principal), {
        at: this.deps.clock.now(),
        eventId: this.deps.ids.newId(),
      });
      await tx.customers.save(customer, before.version);
      await tx.outbox.append(event);
      return customer;
    });
  }
}
