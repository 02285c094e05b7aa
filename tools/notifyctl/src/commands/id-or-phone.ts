import { callUnary, isUuid } from '@notify/grpc-kit';
import type { customerv1 } from '@notify/proto';
import type { Clients } from '../clients';
import { callingService } from '../errors';


/**
 * `{ id }` for a UUID, otherwise `{ phone }` passed through as typed (`0812-3456-7890`,
 * `+62 812…`, `62812…`): the customer service normalizes phones.
 */
export function idOrPhone(value: string): { id: string; phone: string; includeOptOuts: boolean } {
  return isUuid(value.trim()) ? { id: value.trim(), phone: '', includeOptOuts: false } : { id: '', phone: value.trim(), includeOptOuts: false };
}

/**
 * The id of the customer or staff member `value` names: a UUID as given, a phone looked up
 * (GetCustomer / GetStaff; rejects with their NOT_FOUND naming the phone when nobody has it).
 * For the RPCs that take ids only (ActivateCustomer, preferences, CreateInvoice, Notify's
 * addressees, CreateTicket / ListTickets / AssignTicket). A failed look-up is marked as the
 * customer service's (callingService), so a command of another service (`deliveries notify
 * --to-customer <phone>`, `tickets create --customer <phone>`) names the customer service in
 * an UNAVAILABLE.
 */
export async function personIdOf(clients: Clients, kind: 'customer' | 'staff', value: string): Promise<string> {
  const key = idOrPhone(value);
  if (key.id) return key.id;
  return callingService('customer', async () =>
    kind === 'customer'
      ? (await callUnary(clients.customer, 'getCustomer', key)).customer!.id
      : (await callUnary(clients.customer, 'getStaff', key)).staff!.id,
  );
}

/**
 * {@link personIdOf} for each value (in parallel, each distinct value once), ids in the order
 * given; rejects with the error of a look-up that fails (NOT_FOUND naming the phone).
 */
export async function personIdsOf(clients: Clients, kind: 'customer' | 'staff', values: readonly string[]): Promise<string[]> {
  const distinct = [...new Set(values.map((v) => v.trim()))];
  const ids = new Map(await Promise.all(distinct.map(async (v) => [v, await personIdOf(clients, kind, v)] as const)));
  return values.map((v) => ids.get(v.trim())!);
}

/**
 * The names of the customers or staff members `ids` name (empty ids skipped), looked up with
 * GetCustomer / GetStaff once per distinct id, in parallel. Best effort: an id the service does
 * not know, or a look-up that fails (the service down, a key whose role may not read them), is
 * left out of the map, so the caller shows the id.
 */
export async function personNames(customer: customerv1.CustomerServiceClient, kind: 'customer' | 'staff', ids: readonly string[]): Promise<Map<string, string>> {
  const nameOf = (id: string): Promise<string | undefined> =>
    kind === 'customer'
      ? callUnary(customer, 'getCustomer', { id, phone: '', includeOptOuts: false }).then((r) => r.customer?.name, () => undefined)
      : callUnary(customer, 'getStaff', { id, phone: '', includeOptOuts: false }).then((r) => r.staff?.name, () => undefined);
  const distinct = [...new Set(ids.filter(Boolean))];
  const found = await Promise.all(distinct.map(async (id) => [id, await nameOf(id)] as const));
  return new Map(found.filter((e): e is readonly [string, string] => Boolean(e[1])));
}
