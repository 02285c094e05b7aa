import * as grpc from '@grpc/grpc-js';
import { commonv1, customerv1 } from '@notify/proto';
import { optOutRecord, sharedPhoneNote } from '../src/commands/customers';

/** A CustomerServiceClient whose GetCustomer knows one phone (with its `+`); it records the phones asked. */
function fakeCustomer(asked: string[], known: string, fail = false): customerv1.CustomerServiceClient {
  const getCustomer = (req: customerv1.GetCustomerRequest, _md: unknown, _opts: unknown, cb: (err: unknown, res?: customerv1.GetCustomerResponse) => void) => {
    asked.push(req.phone);
    if (fail) cb(Object.assign(new Error('7 PERMISSION_DENIED'), { code: grpc.status.PERMISSION_DENIED, details: 'denied', metadata: new grpc.Metadata() }));
    else if (req.phone === known) cb(null, customerv1.GetCustomerResponse.fromPartial({ customer: { id: 'c1', name: 'Budi Santoso', phone: known.slice(1) } }));
    else cb(Object.assign(new Error('5 NOT_FOUND'), { code: grpc.status.NOT_FOUND, details: 'customer not found', metadata: new grpc.Metadata() }));
    return { cancel: () => undefined };
  };
  return { getCustomer } as unknown as customerv1.CustomerServiceClient;
}

const staff = customerv1.Staff.fromPartial({ id: 's1', name: 'Joko Teknisi', phone: '6281234567890', active: true });

describe('sharedPhoneNote (staff create / update --phone)', () => {
  it('notes a staff phone that is also a customer\'s: its replies are handled as the staff member\'s (QA: accepted silently)', async () => {
    const asked: string[] = [];
    expect(await sharedPhoneNote(fakeCustomer(asked, '+6281234567890'), staff)).toBe(
      'note: 6281234567890 is also customer Budi Santoso\'s number: while staff Joko Teknisi is active, WhatsApp replies from it are handled as theirs, not the customer\'s (a STOP is refused)',
    );
    expect(asked).toEqual(['+6281234567890']); // with its `+`, as the gateway looks a reply's phone up
  });

  it('says nothing for a phone no customer has, or when the look-up fails', async () => {
    expect(await sharedPhoneNote(fakeCustomer([], '+6289999999999'), staff)).toBeUndefined();
    expect(await sharedPhoneNote(fakeCustomer([], '+6281234567890', true), staff)).toBeUndefined();
  });
});

describe('optOutRecord (customers opt-out)', () => {
  it('one line per channel, each with its own time and reason: a channel opted out of before keeps them', () => {
    const text = optOutRecord([
      customerv1.OptOut.fromPartial({ phone: '6281234567890', channel: commonv1.Channel.CHANNEL_WHATSAPP, reason: 'Minta berhenti via telepon', createdAt: new Date('2026-12-07T12:42:00Z') }),
      customerv1.OptOut.fromPartial({ phone: '6281234567890', channel: commonv1.Channel.CHANNEL_SMS, reason: '', createdAt: new Date('2026-12-07T12:43:00Z') }),
    ]);
    expect(text.trimEnd().split('\n')).toEqual([
      'Phone:     6281234567890',
      'WHATSAPP:  opted out since 2026-12-07 19:42 WIB (Minta berhenti via telepon)',
      'SMS:       opted out since 2026-12-07 19:43 WIB',
    ]);
  });
});
