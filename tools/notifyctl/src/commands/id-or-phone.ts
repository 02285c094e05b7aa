import { callUnary, isUuid } from '@notify/grpc-kit';
import type { Clients } from '../clients';


/**
 * `{ id }` for a UUID, otherwise `{ phone }` passed through as typed (`0812-3456-7890`,
 * `+62 812…`, `62812…`): the customer service normalizes phones.
 */
export function idOrPhone(value: string): { id: string; phone: string; includeOptOuts: boolean } {
  return isUuid(value.trim()) ? { id: value.trim(), phone: '', includeOptOuts: false } : { id: '', phone: value.trim(), includeOptOuts: false };
}

/**
 * The id of the customer or staff member `value` names: a UUID as given, a phone looked up
 * (GetCustomer / GetStaff; rejects with their NOT_FOUND when nobody has it). For the RPCs that
 * take ids only (ActivateCustomer, preferences, CreateInvoice).
 */
export async function personIdOf(clients: Clients, kind: 'customer' | 'staff', value: string): Promise<string> {
  const key = idOrPhone(value);
  if (key.id) return key.id;
  return kind === 'customer'
    ? (await callUnary(clients.customer, 'getCustomer', key)).customer!.id
    : (await callUnary(clients.customer, 'getStaff', key)).staff!.id;
}
