import { AlreadyExistsError, ConflictError, NotFoundError } from '@notify/errors';
import { applyCustomerChanges, customerChangesOf, suspendCustomer, suspensionReasonOf, type Customer, type CustomerChanges } from '../../domain';
import type { Clock, CustomerUnitOfWork } from '../ports';
import { actorOf, authorize, type Principal } from '../principal';

/**
 * How many times a customer change is tried when another change of the same customer commits
 * between its read and its write (the version check of CustomerRepository.save: ConflictError);
 * each try reads the customer again and applies the change to it. The last conflict is thrown
 * (ABORTED on the wire).
 */
export const CUSTOMER_CHANGE_ATTEMPTS = 3;

async function retryOnConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof ConflictError) || tries >= CUSTOMER_CHANGE_ATTEMPTS) throw err;
    }
  }
}

export interface UpdateCustomerInput {
  readonly customerId: string;
  /** The fields to change (absent = keep), raw: validated and normalized here. */
  readonly patch: CustomerChanges;
}

/**
 * UpdateCustomer: changes name, phone, address, work zone and package name of a customer in any
 * status, validated as RegisterCustomer validates them (customerChangesOf, before the look-up).
 * Values equal to the stored ones write nothing and answer the customer as stored. A new phone
 * another customer holds → AlreadyExists naming the holder (`entity` `customer`, `id`), as
 * RegisterCustomer. Written with the version read (a concurrent change → read again and applied
 * again, CUSTOMER_CHANGE_ATTEMPTS times). No event: the gateway resolves recipients afresh and
 * keeps display facts DIRECTORY_CACHE_TTL_MS at most; the ticket service keeps only existence.
 * Roles: UpdateCustomer. Errors: Validation (name, phone — naming the value —, address, work_zone,
 * package_name), NotFound('customer', id), AlreadyExists (phone), Conflict (kept losing).
 */
export class UpdateCustomerUseCase {
  constructor(private readonly deps: { readonly uow: CustomerUnitOfWork; readonly clock: Clock }) {}

  async execute(principal: Principal, input: UpdateCustomerInput): Promise<Customer> {
    authorize(principal, 'UpdateCustomer', 'update customers');
    const changes = customerChangesOf(input.patch);
    return retryOnConflict(() =>
      this.deps.uow.run(async (tx) => {
        const current = await tx.customers.findById(input.customerId);
        if (!current) throw new NotFoundError('customer', input.customerId);
        const { customer, changed } = applyCustomerChanges(current, changes, this.deps.clock.now());
        if (!changed) return current;
        if (customer.phone !== current.phone) {
          const holder = await tx.customers.findByPhone(customer.phone);
          if (holder && holder.id !== customer.id) {
            throw new AlreadyExistsError(`phone ${customer.phone} already belongs to customer ${holder.id}`, { entity: 'customer', id: holder.id });
          }
        }
        await tx.customers.save(customer, current.version);
        return customer;
      }),
    );
  }
}

export interface SuspendCustomerInput {
  readonly customerId: string;
  /** Why (trimmed, 1..500 characters). */
  readonly reason: string;
  /** The acting service's actor id (the request's actor.id): recorded instead of the role for role service. */
  readonly actorId?: string;
}

/**
 * SuspendCustomer ("isolir", e.g. unpaid): ACTIVE → SUSPENDED with when (the clock), why
 * (`reason`) and who (the principal's staff id or role; for role service `actorId` when given).
 * A SUSPENDED customer → `changed` false and the customer as stored (idempotent, as
 * SetInvoiceStatus's same status). Written with the version read (a concurrent change → judged
 * again against it). Nothing is published. For notifications a SUSPENDED customer leaves the
 * AREA_CUSTOMERS / ALL_CUSTOMERS audiences (streamActive: ACTIVE only) and keeps the CUSTOMER
 * audience (a ticket's or an invoice's own customer, any status): see ResolveRecipients.
 * Roles: SuspendCustomer. Errors: Validation (`reason` empty or over 500 characters, checked
 * before the look-up), NotFound('customer', id), FailedPrecondition (PENDING, naming the status),
 * Conflict (kept losing).
 */
export class SuspendCustomerUseCase {
  constructor(private readonly deps: { readonly uow: CustomerUnitOfWork; readonly clock: Clock }) {}

  async execute(principal: Principal, input: SuspendCustomerInput): Promise<{ customer: Customer; changed: boolean }> {
    authorize(principal, 'SuspendCustomer', 'suspend customers');
    const reason = suspensionReasonOf(input.reason);
    const actor = actorOf(principal);
    const by = principal.role === 'service' && input.actorId?.trim() ? input.actorId.trim() : actor.id;
    return retryOnConflict(() =>
      this.deps.uow.run(async (tx) => {
        const current = await tx.customers.findById(input.customerId);
        if (!current) throw new NotFoundError('customer', input.customerId);
        const result = suspendCustomer(current, { at: this.deps.clock.now(), reason, by });
        if (result.changed) await tx.customers.save(result.customer, current.version);
        return result;
      }),
    );
  }
}
