import * as grpc from '@grpc/grpc-js';
import { customerv1 } from '@notify/proto';
import type { Clients } from '../src/clients';
import { personIdOf, personIdsOf } from '../src/commands/id-or-phone';
import { calledServiceOf, formatCallError } from '../src/errors';

const BUDI = '11111111-1111-4111-8111-111111111111';
const JOKO = '22222222-2222-4222-8222-222222222222';

/**
 * Clients whose customer service knows customer Budi by phone 6281234567890 and staff member Joko
 * by 6281311112222 (any form: digits compared), NOT_FOUND naming the phone otherwise; it records
 * the look-ups.
 */
function fakeClients(asked: string[]): Clients {
  const digits = (p: string) => p.replace(/\D/g, '').replace(/^0/, '62');
  const notFound = (what: string) => {
    const details = `${what} not found`;
    return Object.assign(new Error(`5 NOT_FOUND: ${details}`), { code: grpc.status.NOT_FOUND, details, metadata: new grpc.Metadata() });
  };
  type Cb<T> = (err: unknown, res?: T) => void;
  const getCustomer = (req: customerv1.GetCustomerRequest, _md: unknown, _opts: unknown, cb: Cb<customerv1.GetCustomerResponse>) => {
    asked.push(`customer ${req.phone}`);
    if (digits(req.phone) === '6281234567890') cb(null, customerv1.GetCustomerResponse.fromPartial({ customer: { id: BUDI } }));
    else cb(notFound(`customer with phone ${digits(req.phone)}`));
    return { cancel: () => undefined };
  };
  const getStaff = (req: customerv1.GetStaffRequest, _md: unknown, _opts: unknown, cb: Cb<customerv1.GetStaffResponse>) => {
    asked.push(`staff ${req.phone}`);
    if (digits(req.phone) === '6281311112222') cb(null, customerv1.GetStaffResponse.fromPartial({ staff: { id: JOKO } }));
    else cb(notFound(`staff with phone ${digits(req.phone)}`));
    return { cancel: () => undefined };
  };
  return { customer: { getCustomer, getStaff } } as unknown as Clients;
}

describe('personIdOf / personIdsOf (--to-customer, --to-staff, tickets --customer / --technician)', () => {
  it('a UUID as given, without a look-up; a phone looked up as a customer\'s or a staff member\'s', async () => {
    const asked: string[] = [];
    const clients = fakeClients(asked);
    expect(await personIdOf(clients, 'customer', ` ${BUDI} `)).toBe(BUDI);
    expect(asked).toEqual([]);
    expect(await personIdOf(clients, 'customer', '0812-3456-7890')).toBe(BUDI);
    expect(await personIdOf(clients, 'staff', '+62 813 1111 2222')).toBe(JOKO);
    expect(asked).toEqual(['customer 0812-3456-7890', 'staff +62 813 1111 2222']);
  });

  it('each distinct phone once, ids in the order given', async () => {
    const asked: string[] = [];
    expect(await personIdsOf(fakeClients(asked), 'customer', ['0812-3456-7890', JOKO, '0812-3456-7890'])).toEqual([BUDI, JOKO, BUDI]);
    expect(asked).toEqual(['customer 0812-3456-7890']);
    expect(await personIdsOf(fakeClients(asked), 'staff', [])).toEqual([]);
  });

  it('an unknown phone is the look-up\'s NOT_FOUND naming it, as the customer service\'s failure', async () => {
    const err = await personIdsOf(fakeClients([]), 'customer', ['0812-3456-7890', '0899-0000-0000']).catch((e: unknown) => e);
    expect(formatCallError(err)).toBe('error: NOT_FOUND: customer with phone 6289900000000 not found');
    expect(calledServiceOf(err)).toBe('customer');
  });
});
