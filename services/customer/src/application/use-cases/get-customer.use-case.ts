import { NotFoundError } from '@notify/errors';
import { normalizePhone, type Customer } from '../../domain';
import type { CustomerRepository } from '../ports';
import { authorize, type Principal } from '../principal';

/**
 * GetCustomer by id, or by phone (any accepted form, normalized). Roles: GetCustomer.
 * Errors: NotFound; Validation (phone).
 */
export class GetCustomerUseCase {
  constructor(private readonly deps: { readonly customers: CustomerRepository }) {}

  async execute(principal: Principal, input: { readonly customerId?: string; readonly phone?: string }): Promise<Customer> {
    authorize(principal, 'GetCustomer', 'read customers');
    if (input.phone) {
      const phone = normalizePhone(input.phone);
      const found = await this.deps.customers.findByPhone(phone);
      if (!found) throw new NotFoundError('customer with phone', phone);
      return found;
    }
    const id = input.customerId?.trim() ?? '';
    const found = id ? await this.deps.customers.findById(id) : null;
    if (!found) throw new NotFoundError('customer', id || '(empty)');
    return found;
  }
}
